using System.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl verify SHA256</c></summary>
internal static class VerifyCommand
{
    public static Command Build(ConnectionOptions connection)
    {
        var digest = new Argument<string>("sha256") { Description = "Digest of a staged blob" };
        var command = new Command("verify", CommandFactory.Describe("Re-hash one staged blob and say whether it still matches its digest", "agentctl verify <64 hex digits from agentctl artifacts>")) { digest };
        return command.WithAction(connection, async (context, cancellationToken) =>
        {
            var response = await context.Client.VerifyArtifactAsync(new VerifyArtifactRequest { Sha256 = context.Parse.GetValue(digest)! }, cancellationToken: cancellationToken);
            var ok = response.Artifact.Integrity == ArtifactIntegrity.Ok;
            if (context.Machine)
            {
                context.WriteResult(response);
            }
            else
            {
                context.Out.WriteLine(ok ? $"ok: {response.Artifact.Sha256}" : $"CORRUPT: {response.Artifact.Sha256} now hashes to {response.ComputedSha256}");
            }

            return ok ? ExitCodes.Ok : ExitCodes.OperationFailed;
        });
    }
}
