using System.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl gc [--dry-run]</c></summary>
internal static class GcCommand
{
    public static Command Build(GlobalOptions globals)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Only list what would be deleted" };
        var command = new Command("gc", "Delete blobs that nothing retains (see the README's retention policy)") { dryRun };
        return command.WithAction(globals, async (context, cancellationToken) =>
        {
            var response = await context.Client.CollectGarbageAsync(new CollectGarbageRequest { DryRun = context.Parse.GetValue(dryRun) }, cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.WriteJson(response);
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
