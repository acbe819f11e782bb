using System.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl status [--probe]</c></summary>
internal static class StatusCommand
{
    public static Command Build(ConnectionOptions connection)
    {
        var probe = new Option<bool>("--probe") { Description = "Probe every component now instead of reporting the last background probe" };
        var command = new Command("status", CommandFactory.Describe("The agent, its store and every component: unit, health, version, files, marker", "agentctl status --probe")) { probe };
        return command.WithAction(connection, async (context, cancellationToken) =>
        {
            var info = await context.Client.GetInfoAsync(new GetInfoRequest { Probe = context.Parse.GetValue(probe) }, cancellationToken: cancellationToken);
            if (context.Machine)
            {
                context.WriteResult(info);
                return ExitCodes.Ok;
            }

            var output = context.Out;
            output.WriteLine($"node {info.NodeName}: agent {info.AgentVersion}, service manager {info.ServiceManager}, up since {info.StartedAt.ToDateTimeOffset():u}");
            output.WriteLine($"store: {info.Store.BlobCount} blob(s), {info.Store.TotalBytes} bytes, {info.Store.FreeBytes} bytes free; unfinished operations: {info.UnfinishedOperations}");
            foreach (var warning in info.Warnings)
            {
                output.WriteLine($"WARNING: {warning}");
            }

            foreach (var component in info.Components)
            {
                Print(context, component);
            }

            return ExitCodes.Ok;
        });
    }

    private static void Print(CliContext context, ComponentStatus component)
    {
        var output = context.Out;
        var health = component.Healthy ? "healthy" : $"UNHEALTHY ({component.HealthMessage})";
        output.WriteLine($"{component.Name} [{component.Unit}]: {health}, version {(component.Version.Length == 0 ? "?" : component.Version)}, main pid {component.MainPid}, marker {(component.MarkerPresent ? "present" : "absent")}");
        if (component.BusyOperationId.Length > 0)
        {
            output.WriteLine($"  busy with operation {component.BusyOperationId}");
        }

        if (component.NeedsAttention.Length > 0)
        {
            output.WriteLine($"  NEEDS ATTENTION: {component.NeedsAttention}");
        }

        foreach (var file in component.Files)
        {
            output.WriteLine($"  {file.Role,-12} {file.Path}  {(file.Present ? context.Digest(file.Sha256) : "(absent)")}");
        }
    }
}
