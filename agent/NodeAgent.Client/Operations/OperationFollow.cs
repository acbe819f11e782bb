using Grpc.Core;
using NodeAgent.Contracts.V1;

namespace NodeAgent.Client.Operations;

/// <summary>
/// The one loop that follows an agent operation to its end: watch its events (resuming after the last one seen
/// through <c>from_sequence</c> when the agent restarts under the watch), then read the operation, until it is
/// no longer running.
/// </summary>
public static class OperationFollow
{
    private static readonly TimeSpan ReconnectPause = TimeSpan.FromMilliseconds(500);

    /// <summary>Follows <paramref name="accepted"/> (as the call that started it returned it) to a terminal state.</summary>
    public static async Task<Operation> FollowAsync(
        NodeAgentService.NodeAgentServiceClient client,
        Operation accepted,
        FollowOptions options,
        Action<OperationEvent> onEvent,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var op = accepted;
        var seen = 0L;
        while (op.State == OperationState.Running)
        {
            seen = await WatchAsync(client, op.OperationId, seen, options, onEvent, time, cancellationToken);
            op = await ReadAsync(client, op.OperationId, options, time, cancellationToken);
        }

        return op;
    }

    /// <summary>Reads an operation by id and follows it to a terminal state.</summary>
    public static async Task<Operation> FollowAsync(
        NodeAgentService.NodeAgentServiceClient client,
        string operationId,
        FollowOptions options,
        Action<OperationEvent> onEvent,
        TimeProvider time,
        CancellationToken cancellationToken) =>
        await FollowAsync(client, await ReadAsync(client, operationId, options, time, cancellationToken), options, onEvent, time, cancellationToken);

    /// <summary>
    /// Streams the events after <paramref name="fromSequence"/> until the operation ends; returns the last sequence seen.
    /// </summary>
    public static async Task<long> WatchAsync(
        NodeAgentService.NodeAgentServiceClient client,
        string operationId,
        long fromSequence,
        FollowOptions options,
        Action<OperationEvent> onEvent,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var seen = fromSequence;
        var giveUpAt = time.GetUtcNow() + options.ReconnectFor;
        while (true)
        {
            try
            {
                using var call = client.WatchOperation(new WatchOperationRequest { OperationId = operationId, FromSequence = seen }, deadline: options.FinishBy, cancellationToken: cancellationToken);
                await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    seen = e.Sequence;
                    onEvent(e);
                }

                return seen;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && time.GetUtcNow() < giveUpAt)
            {
                options.OnReconnect?.Invoke(ex.Status.Detail);
                await Task.Delay(ReconnectPause, time, cancellationToken);
            }
        }
    }

    private static async Task<Operation> ReadAsync(NodeAgentService.NodeAgentServiceClient client, string operationId, FollowOptions options, TimeProvider time, CancellationToken cancellationToken) =>
        (await client.GetOperationAsync(new GetOperationRequest { OperationId = operationId }, deadline: options.CallTimeout is { } timeout ? time.GetUtcNow().UtcDateTime + timeout : null, cancellationToken: cancellationToken)).Operation;
}
