using System.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl gc [--dry-run]</c></summary>
internal static class GcCommand
{
    public static Command Build(ConnectionOptions connection)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Only list what would be deleted" };
        var command = new Command("gc", CommandFactory.Describe("Delete blobs that nothing retains (see the README's retention policy)", "agentctl gc --dry-run")) { dryRun };
        return command.WithAction(connection, async (context, cancellationToken) =>
        {
            var response = await context.Client.CollectGarbageAsync(new CollectGarbageRequest { DryRun = context.Parse.GetValue(dryRun) }, cancellationToken: cancellationToken);
            if (context.Machine)
            {
                context.WriteResult(response);
            }
            else
            {
                var verb = response.DryRun ? "would remove" : "removed";
                context.Out.WriteLine($"{verb} {response.Removed.Count} blob(s), {response.FreedBytes} bytes; kept {response.Kept}");
                foreach (var digest in response.Removed)
                {
                    context.Out.WriteLine($"  {digest}");
                }
            }

            return ExitCodes.Ok;
        });
    }
}
