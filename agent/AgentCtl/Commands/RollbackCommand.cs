using System.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl rollback COMPONENT [--to OPERATION]</c></summary>
internal static class RollbackCommand
{
    public static Command Build(ConnectionOptions connection)
    {
        var target = new Option<string?>("--to") { Description = "The succeeded apply to undo (default: the component's latest change)" };
        var timeout = CommandFactory.HealthTimeoutOption();
        return CommandFactory.OperationCommand(
            "rollback",
            CommandFactory.Describe("Put back the files the latest apply replaced, restart, and check health", "agentctl rollback kubelet"),
            connection,
            async (parse, id, component, cancellationToken, context) => (await context.Client.RollbackAsync(
                new RollbackRequest { OperationId = id, Component = component, TargetOperationId = parse.GetValue(target) ?? "", HealthTimeout = CommandFactory.Timeout(parse, timeout) },
                cancellationToken: cancellationToken)).Operation,
            target,
            timeout);
    }
}
