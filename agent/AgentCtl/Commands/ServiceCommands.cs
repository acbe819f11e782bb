using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl restart|stop|start COMPONENT</c> and <c>agentctl backup COMPONENT</c>.</summary>
internal static class ServiceCommands
{
    public static Command Restart(GlobalOptions globals) => WithHealthTimeout(
        "restart",
        "Restart a component's service and wait until it is healthy",
        globals,
        async (client, id, component, timeout, cancellationToken) => (await client.RestartComponentAsync(
            new RestartComponentRequest { OperationId = id, Component = component, HealthTimeout = timeout },
            cancellationToken: cancellationToken)).Operation);

    public static Command Stop(GlobalOptions globals) => CommandFactory.OperationCommand(
        "stop",
        "Stop a component's service",
        globals,
        async (_, id, component, cancellationToken, context) => (await context.Client.StopComponentAsync(
            new StopComponentRequest { OperationId = id, Component = component },
            cancellationToken: cancellationToken)).Operation);

    public static Command Start(GlobalOptions globals) => WithHealthTimeout(
        "start",
        "Start a component's service and wait until it is healthy",
        globals,
        async (client, id, component, timeout, cancellationToken) => (await client.StartComponentAsync(
            new StartComponentRequest { OperationId = id, Component = component, HealthTimeout = timeout },
            cancellationToken: cancellationToken)).Operation);

    public static Command Backup(GlobalOptions globals) => CommandFactory.OperationCommand(
        "backup",
        "Keep a copy of a component's current files (binary, units, configs) in the agent's store",
        globals,
        async (_, id, component, cancellationToken, context) => (await context.Client.BackupAsync(
            new BackupRequest { OperationId = id, Component = component },
            cancellationToken: cancellationToken)).Operation);

    private static Command WithHealthTimeout(
        string name,
        string description,
        GlobalOptions globals,
        Func<NodeAgentService.NodeAgentServiceClient, string, string, Duration?, CancellationToken, Task<Operation>> call)
    {
        var timeout = CommandFactory.HealthTimeoutOption();
        return CommandFactory.OperationCommand(
            name,
            description,
            globals,
            (parse, id, component, cancellationToken, context) => call(context.Client, id, component, CommandFactory.Timeout(parse, timeout), cancellationToken),
            timeout);
    }
}
