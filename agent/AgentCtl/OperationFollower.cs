using NodeAgent.Client.Operations;
using NodeAgent.Contracts.V1;

namespace AgentCtl;

/// <summary>
/// Follows a mutating operation to its end: events to stderr as they happen, the result to stdout, and the exit
/// code from the outcome. Reconnects if the agent restarts while it watches.
/// </summary>
internal static class OperationFollower
{
    private static readonly TimeSpan ReconnectFor = TimeSpan.FromSeconds(60);

    public static async Task<int> FollowAsync(CliContext context, Operation accepted, bool wait, CancellationToken cancellationToken)
    {
        var op = accepted;
        if (wait && op.State == OperationState.Running)
        {
            var options = new FollowOptions(FinishBy: null, CallTimeout: null, ReconnectFor)
            {
                OnReconnect = why => context.Err.WriteLine($"  (lost the agent: {why}; reconnecting)"),
            };
            op = await OperationFollow.FollowAsync(context.Client, accepted, options, e => context.Err.WriteLine(OperationPrinter.Event(e)), TimeProvider.System, cancellationToken);
            op.Existing = accepted.Existing;
        }
        else if (!context.Machine)
        {
            foreach (var e in op.Events)
            {
                await context.Err.WriteLineAsync(OperationPrinter.Event(e));
            }
        }

        if (context.Machine)
        {
            context.WriteResult(op);
        }
        else
        {
            OperationPrinter.Summary(context.Out, op, context.Digest);
        }

        return ExitCodeOf(op.State);
    }

    public static int ExitCodeOf(OperationState state) => state switch
    {
        OperationState.Succeeded or OperationState.Running => ExitCodes.Ok,
        OperationState.RollbackFailed => ExitCodes.RollbackFailed,
        _ => ExitCodes.OperationFailed,
    };
}
