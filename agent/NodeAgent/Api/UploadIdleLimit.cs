using Grpc.Core;
using NodeAgent.Configuration;
using NodeAgent.Operations;

namespace NodeAgent.Api;

/// <summary>
/// Stops an upload whose stream sends nothing for Limits:UploadIdleSeconds, so that a stalled or silent upload gives
/// its staging reservation (Limits:MaxStagingBytesInFlight) and its call slot back instead of holding them forever.
/// </summary>
internal sealed class UploadIdleLimit(AgentOptions options, TimeProvider time)
{
    /// <summary>The stream's next message, or RESOURCE_EXHAUSTED when none arrives within the idle limit.</summary>
    public async Task<bool> MoveNextAsync<T>(IAsyncStreamReader<T> stream, CancellationToken cancellationToken)
    {
        var limit = TimeSpan.FromSeconds(options.Limits.UploadIdleSeconds);
        using var idle = new CancellationTokenSource(limit, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        try
        {
            return await stream.MoveNext(linked.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new AgentException(AgentErrorKind.ResourceExhausted,
                $"the upload sent nothing for {limit.TotalSeconds:0.#} s; it was stopped and its reservation released (Limits:UploadIdleSeconds)");
        }
    }
}
