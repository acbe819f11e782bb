using System.CommandLine;
using System.Security.Cryptography;
using Google.Protobuf.WellKnownTypes;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary>Shared pieces of the commands: the action wrapper, the operation id and wait options.</summary>
internal static class CommandFactory
{
    public static Command WithAction(this Command command, GlobalOptions globals, Func<CliContext, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CliContext(parse, globals);
            return await ErrorReporter.RunAsync(context, () => action(context, cancellationToken));
        });
        return command;
    }

    public static Argument<string> ComponentArgument() => new("component") { Description = "Component name from the agent's catalog, for example kubelet" };

    public static Option<string?> OperationIdOption() => new("--id")
    {
        Description = "Operation id; repeat a command with the same id to retry it safely (it never runs twice). Default: a new id",
    };

    public static Option<bool> NoWaitOption() => new("--no-wait") { Description = "Return once the agent accepted the operation" };

    public static Option<int> HealthTimeoutOption() => new("--health-timeout")
    {
        Description = "Seconds the service has to become healthy (default: the agent's)",
    };

    public static string OperationId(ParseResult parse, Option<string?> option, string verb, string component) =>
        parse.GetValue(option) is { Length: > 0 } id
            ? id
            : $"agentctl-{verb}-{component}-{TimeProvider.System.GetUtcNow():yyyyMMddTHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    public static Duration? Timeout(ParseResult parse, Option<int> option) =>
        parse.GetValue(option) is > 0 and var seconds ? Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds)) : null;

    /// <summary>Wires the usual options of a mutating component command and follows the operation it starts.</summary>
    public static Command OperationCommand(
        string name,
        string description,
        GlobalOptions globals,
        Func<ParseResult, string, string, CancellationToken, CliContext, Task<Operation>> start,
        params Symbol[] extra)
    {
        var command = new Command(name, description);
        var component = ComponentArgument();
        var id = OperationIdOption();
        var noWait = NoWaitOption();
        command.Arguments.Add(component);
        command.Options.Add(id);
        command.Options.Add(noWait);
        foreach (var symbol in extra)
        {
            switch (symbol)
            {
                case System.CommandLine.Option option:
                    command.Options.Add(option);
                    break;
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
            }
        }

        return command.WithAction(globals, async (context, cancellationToken) =>
        {
            var componentName = context.Parse.GetValue(component)!;
            var operationId = OperationId(context.Parse, id, name, componentName);
            var accepted = await start(context.Parse, operationId, componentName, cancellationToken, context);
            return await OperationFollower.FollowAsync(context, accepted, !context.Parse.GetValue(noWait), cancellationToken);
        });
    }
}
