using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl restart|stop|start COMPONENT</c> and <c>agentctl backup COMPONENT</c>.</summary>
internal static class ServiceCommands
{
    public static Command Restart(ConnectionOptions connection) => WithHealthTimeout(
        "restart",
        CommandFactory.Describe("Restart a component's service and wait until it is healthy", "agentctl restart kube-proxy --health-timeout 90s"),
        connection,
        async (client, id, component, timeout, cancellationToken) => (await client.RestartComponentAsync(
            new RestartComponentRequest { OperationId = id, Component = component, HealthTimeout = timeout },
            cancellationToken: cancellationToken)).Operation);

    public static Command Stop(ConnectionOptions connection) => CommandFactory.OperationCommand(
        "stop",
        CommandFactory.Describe("Stop a component's service", "agentctl stop kube-proxy"),
        connection,
        async (_, id, component, cancellationToken, context) => (await context.Client.StopComponentAsync(
            new StopComponentRequest { OperationId = id, Component = component },
            cancellationToken: cancellationToken)).Operation);

    public static Command Start(ConnectionOptions connection) => WithHealthTimeout(
        "start",
        CommandFactory.Describe("Start a component's service and wait until it is healthy", "agentctl start kube-proxy"),
        connection,
        async (client, id, component, timeout, cancellationToken) => (await client.StartComponentAsync(
            new StartComponentRequest { OperationId = id, Component = component, HealthTimeout = timeout },
            cancellationToken: cancellationToken)).Operation);

    public static Command Backup(ConnectionOptions connection) => CommandFactory.OperationCommand(
        "backup",
        CommandFactory.Describe("Keep a copy of a component's current files (binary, units, configs) in the agent's store", "agentctl backup kubelet"),
        connection,
        async (_, id, component, cancellationToken, context) => (await context.Client.BackupAsync(
            new BackupRequest { OperationId = id, Component = component },
            cancellationToken: cancellationToken)).Operation);

    private static Command WithHealthTimeout(
        string name,
        string description,
        ConnectionOptions connection,
        Func<NodeAgentService.NodeAgentServiceClient, string, string, Duration?, CancellationToken, Task<Operation>> call)
    {
        var timeout = CommandFactory.HealthTimeoutOption();
        return CommandFactory.OperationCommand(
            name,
            description,
            connection,
            (parse, id, component, cancellationToken, context) => call(context.Client, id, component, CommandFactory.Timeout(parse, timeout), cancellationToken),
            timeout);
    }
}
