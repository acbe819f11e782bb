using System.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl marker show|write|clear COMPONENT</c></summary>
internal static class MarkerCommand
{
    public static Command Build(GlobalOptions globals)
    {
        var command = new Command("marker", "Show, write or clear a component's hash-skip marker file");
        command.Subcommands.Add(Show(globals));
        command.Subcommands.Add(Write(globals));
        command.Subcommands.Add(CommandFactory.OperationCommand(
            "clear",
            "Remove the marker (once every pod of the old version is gone)",
            globals,
            async (_, id, component, cancellationToken, context) => (await context.Client.ClearMarkerAsync(
                new ClearMarkerRequest { OperationId = id, Component = component },
                cancellationToken: cancellationToken)).Operation));
        return command;
    }

    private static Command Show(GlobalOptions globals)
    {
        var component = CommandFactory.ComponentArgument();
        var command = new Command("show", "Print the marker") { component };
        return command.WithAction(globals, async (context, cancellationToken) =>
        {
            var response = await context.Client.GetMarkerAsync(new GetMarkerRequest { Component = context.Parse.GetValue(component)! }, cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.WriteJson(response);
            }
            else if (!response.Present)
            {
                context.Out.WriteLine($"no marker at {response.Path}");
            }
            else
            {
                var marker = response.Marker;
                context.Out.WriteLine($"marker {response.Path} ({response.Format})");
                context.Out.WriteLine($"  old version         {marker.OldVersion}");
                context.Out.WriteLine($"  upgrade started at  {marker.UpgradeStartedAt.ToDateTimeOffset():O}");
                context.Out.WriteLine($"  target version      {marker.TargetVersion}");
                context.Out.WriteLine($"  written by          {marker.OperationId}");
            }

            return ExitCodes.Ok;
        });
    }

    private static Command Write(GlobalOptions globals)
    {
        var oldVersion = new Option<string?>("--old-version") { Description = "Old cluster version (default: what the component reports now); an existing marker's is kept" };
        var target = new Option<string>("--target-version") { Description = "The version being upgraded to", Required = true };
        return CommandFactory.OperationCommand(
            "write",
            "Write the marker atomically, keeping an existing marker's old version and start time",
            globals,
            async (parse, id, component, cancellationToken, context) => (await context.Client.WriteMarkerAsync(
                new WriteMarkerRequest { OperationId = id, Component = component, OldVersion = parse.GetValue(oldVersion) ?? "", TargetVersion = parse.GetValue(target)! },
                cancellationToken: cancellationToken)).Operation,
            oldVersion,
            target);
    }
}
