using System.CommandLine;
using System.Security.Cryptography;
using Google.Protobuf.WellKnownTypes;
using NodeAgent.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary>Shared pieces of the commands: the action wrapper, the operation id and wait options.</summary>
internal static class CommandFactory
{
    public static Command WithAction(this Command command, ConnectionOptions connection, Func<CliContext, CancellationToken, Task<int>> action)
    {
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CliContext(parse, connection);
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

    public static Option<TimeSpan?> HealthTimeoutOption() => DurationOption.Create("--health-timeout", "How long the service has to become healthy (default: the agent's)");

    /// <summary>A command's help text: what it does, then one example an operator can copy.</summary>
    public static string Describe(string what, string example) => $"{what}\n\nExample:\n  {example}";

    public static string OperationId(ParseResult parse, Option<string?> option, string verb, string component) =>
        parse.GetValue(option) is { Length: > 0 } id
            ? id
            : $"agentctl-{verb}-{component}-{TimeProvider.System.GetUtcNow():yyyyMMddTHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    public static Duration? Timeout(ParseResult parse, Option<TimeSpan?> option) =>
        parse.GetValue(option) is { } value && value > TimeSpan.Zero ? Duration.FromTimeSpan(value) : null;

    /// <summary>Wires the usual options of a mutating component command and follows the operation it starts.</summary>
    public static Command OperationCommand(
        string name,
        string description,
        ConnectionOptions connection,
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

        return command.WithAction(connection, async (context, cancellationToken) =>
        {
            var componentName = context.Parse.GetValue(component)!;
            var operationId = OperationId(context.Parse, id, name, componentName);
            var accepted = await start(context.Parse, operationId, componentName, cancellationToken, context);
            return await OperationFollower.FollowAsync(context, accepted, !context.Parse.GetValue(noWait), cancellationToken);
        });
    }
}
