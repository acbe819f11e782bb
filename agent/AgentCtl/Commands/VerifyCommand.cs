using System.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl verify SHA256</c></summary>
internal static class VerifyCommand
{
    public static Command Build(GlobalOptions globals)
    {
        var digest = new Argument<string>("sha256") { Description = "Digest of a staged blob" };
        var command = new Command("verify", "Re-hash one staged blob and say whether it still matches its digest") { digest };
        return command.WithAction(globals, async (context, cancellationToken) =>
        {
            var response = await context.Client.VerifyArtifactAsync(new VerifyArtifactRequest { Sha256 = context.Parse.GetValue(digest)! }, cancellationToken: cancellationToken);
            var ok = response.Artifact.Integrity == ArtifactIntegrity.Ok;
            if (context.Json)
            {
                context.WriteJson(response);
            }
            else
            {
                context.Out.WriteLine(ok ? $"ok: {response.Artifact.Sha256}" : $"CORRUPT: {response.Artifact.Sha256} now hashes to {response.ComputedSha256}");
            }

            return ok ? ExitCodes.Ok : ExitCodes.OperationFailed;
        });
    }
}
