using System.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl artifacts [--verify]</c></summary>
internal static class ArtifactsCommand
{
    public static Command Build(ConnectionOptions connection)
    {
        var verify = new Option<bool>("--verify") { Description = "Re-hash every blob and report corrupt ones" };
        var command = new Command("artifacts", CommandFactory.Describe("List the blobs in the agent's store, and why each is retained", "agentctl artifacts --verify")) { verify };
        return command.WithAction(connection, async (context, cancellationToken) =>
        {
            var response = await context.Client.ListArtifactsAsync(new ListArtifactsRequest { Verify = context.Parse.GetValue(verify) }, cancellationToken: cancellationToken);
            if (context.Machine)
            {
                context.WriteResult(response);
            }
            else
            {
                context.Out.WriteLine($"{response.Artifacts.Count} blob(s), {response.TotalBytes} bytes; {response.FreeBytes} bytes free");
                foreach (var blob in response.Artifacts)
                {
                    var integrity = blob.Integrity switch { ArtifactIntegrity.Ok => " ok", ArtifactIntegrity.Corrupt => " CORRUPT", _ => "" };
                    var retained = blob.RetainedBy.Count == 0 ? "collectable" : "kept: " + string.Join("; ", blob.RetainedBy);
                    context.Out.WriteLine($"{blob.Sha256}{integrity}  {blob.Size,12}  {string.Join(",", blob.Names)}  ({retained})");
                }
            }

            return response.Artifacts.Any(a => a.Integrity == ArtifactIntegrity.Corrupt) ? ExitCodes.OperationFailed : ExitCodes.Ok;
        });
    }
}
