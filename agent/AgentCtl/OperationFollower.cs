using Grpc.Core;
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
            await WatchAsync(context, op.OperationId, cancellationToken);
            op = (await context.Client.GetOperationAsync(new GetOperationRequest { OperationId = op.OperationId }, cancellationToken: cancellationToken)).Operation;
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

    public static async Task WatchAsync(CliContext context, string operationId, CancellationToken cancellationToken)
    {
        var seen = 0L;
        var giveUpAt = TimeProvider.System.GetUtcNow() + ReconnectFor;
        while (true)
        {
            try
            {
                using var call = context.Client.WatchOperation(new WatchOperationRequest { OperationId = operationId, FromSequence = seen }, cancellationToken: cancellationToken);
                await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    seen = e.Sequence;
                    await context.Err.WriteLineAsync(OperationPrinter.Event(e));
                }

                return;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && TimeProvider.System.GetUtcNow() < giveUpAt)
            {
                await context.Err.WriteLineAsync($"  (lost the agent: {ex.Status.Detail}; reconnecting)");
                await Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System, cancellationToken);
            }
        }
    }
}
