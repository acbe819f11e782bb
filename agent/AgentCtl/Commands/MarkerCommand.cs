using System.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl marker show|write|clear COMPONENT</c></summary>
internal static class MarkerCommand
{
    public static Command Build(ConnectionOptions connection)
    {
        var command = new Command("marker", CommandFactory.Describe("Show, write or clear a component's hash-skip marker file", "agentctl marker show kubelet"));
        command.Subcommands.Add(Show(connection));
        command.Subcommands.Add(Write(connection));
        command.Subcommands.Add(CommandFactory.OperationCommand(
            "clear",
            CommandFactory.Describe("Remove the marker (once every pod of the old version is gone)", "agentctl marker clear kubelet"),
            connection,
            async (_, id, component, cancellationToken, context) => (await context.Client.ClearMarkerAsync(
                new ClearMarkerRequest { OperationId = id, Component = component },
                cancellationToken: cancellationToken)).Operation));
        return command;
    }

    private static Command Show(ConnectionOptions connection)
    {
        var component = CommandFactory.ComponentArgument();
        var command = new Command("show", CommandFactory.Describe("Print the marker", "agentctl marker show kubelet -o json")) { component };
        return command.WithAction(connection, async (context, cancellationToken) =>
        {
            var response = await context.Client.GetMarkerAsync(new GetMarkerRequest { Component = context.Parse.GetValue(component)! }, cancellationToken: cancellationToken);
            if (context.Machine)
            {
                context.WriteResult(response);
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

    private static Command Write(ConnectionOptions connection)
    {
        var oldVersion = new Option<string?>("--old-version") { Description = "Old cluster version (default: what the component reports now); an existing marker's is kept" };
        var target = new Option<string>("--target-version") { Description = "The version being upgraded to", Required = true };
        return CommandFactory.OperationCommand(
            "write",
            CommandFactory.Describe("Write the marker atomically, keeping an existing marker's old version and start time", "agentctl marker write kubelet --target-version v1.17.0"),
            connection,
            async (parse, id, component, cancellationToken, context) => (await context.Client.WriteMarkerAsync(
                new WriteMarkerRequest { OperationId = id, Component = component, OldVersion = parse.GetValue(oldVersion) ?? "", TargetVersion = parse.GetValue(target)! },
                cancellationToken: cancellationToken)).Operation,
            oldVersion,
            target);
    }
}
