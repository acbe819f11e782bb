using Google.Protobuf;
using Grpc.Core;
using NodeAgent.Contracts.Text;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Agents;

/// <summary>
/// The agent calls of a rollout, each with a deadline, each returning a <see cref="CallResult{T}"/> instead of
/// throwing: one unreachable node must not fail a batch of a thousand.
/// </summary>
internal sealed class AgentCalls(AgentClientPool pool, RolloutPolicy policy, TimeProvider time, TimeSpan operationExtra = default)
{
    private const int ChunkSize = 1024 * 1024;

    public Task<CallResult<GetInfoResponse>> InfoAsync(PlanNode node, bool probe, CancellationToken cancellationToken) =>
        CallAsync(node, client => client.GetInfoAsync(new GetInfoRequest { Probe = probe }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    public Task<CallResult<ListArtifactsResponse>> StagedAsync(PlanNode node, IEnumerable<string> digests, CancellationToken cancellationToken) =>
        CallAsync(node, client => client.ListArtifactsAsync(new ListArtifactsRequest { Sha256 = { digests } }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>The node's operations that are not finished yet.</summary>
    public Task<CallResult<ListOperationsResponse>> UnfinishedAsync(PlanNode node, CancellationToken cancellationToken) =>
        CallAsync(node, client => client.ListOperationsAsync(new ListOperationsRequest { UnfinishedOnly = true, Limit = 1000 }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Follows an operation that is already running on the node to its end, as <see cref="RunAsync"/> does after starting one.</summary>
    public Task<CallResult<Operation>> FollowAsync(PlanNode node, string operationId, CancellationToken cancellationToken) =>
        RunAsync(
            node,
            async (client, deadline) => (await client.GetOperationAsync(new GetOperationRequest { OperationId = operationId }, deadline: deadline, cancellationToken: cancellationToken)).Operation,
            _ => { },
            cancellationToken);

    /// <summary>A call to the node's claim service, with the call deadline.</summary>
    public Task<CallResult<T>> ClaimAsync<T>(PlanNode node, Func<NodeClaimService.NodeClaimServiceClient, DateTime, Task<T>> call)
        where T : class =>
        GuardAsync(node, () => call(pool.ClaimsFor(node), Deadline()));

    /// <summary>Streams one artifact from its source file; the agent stores it only if the digest matches.</summary>
    public Task<CallResult<StageArtifactResponse>> StageAsync(PlanNode node, PlanArtifact artifact, CancellationToken cancellationToken) =>
        CallAsync(node, async client =>
        {
            var deadline = time.GetUtcNow().UtcDateTime + policy.CallTimeout + TimeSpan.FromSeconds(artifact.Size / (10.0 * 1024 * 1024));
            using var call = client.StageArtifact(deadline: deadline, cancellationToken: cancellationToken);
            try
            {
                await call.RequestStream.WriteAsync(new StageArtifactRequest { Header = new ArtifactHeader { Name = artifact.Name, Sha256 = artifact.Sha256, Size = artifact.Size } }, cancellationToken);
                await using (var input = await OpenSourceAsync(artifact, cancellationToken))
                {
                    var buffer = new byte[ChunkSize];
                    int read;
                    while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        await call.RequestStream.WriteAsync(new StageArtifactRequest { Chunk = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken);
                    }
                }

                await call.RequestStream.CompleteAsync();
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                // The agent answered before reading everything (refused, or disk full): its answer says why.
            }

            return await call.ResponseAsync;
        });

    /// <summary>Starts an operation (idempotent by its id) and follows it to a terminal state.</summary>
    public Task<CallResult<Operation>> RunAsync(
        PlanNode node,
        Func<NodeAgentService.NodeAgentServiceClient, DateTime, Task<Operation>> start,
        Action<OperationEvent> onEvent,
        CancellationToken cancellationToken) =>
        CallAsync(node, async client =>
        {
            var accepted = await start(client, Deadline());
            // An apply may roll back (a second health wait), and with the cluster gates it also soaks before counting
            // connections and snapshots the container runtime twice: operationExtra covers those.
            var finishBy = time.GetUtcNow().UtcDateTime + (2 * policy.HealthTimeout) + policy.CallTimeout + operationExtra;
            var op = accepted;
            while (op.State == OperationState.Running)
            {
                using var watch = client.WatchOperation(new WatchOperationRequest { OperationId = accepted.OperationId }, deadline: finishBy, cancellationToken: cancellationToken);
                await foreach (var e in watch.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    onEvent(e);
                }

                op = (await client.GetOperationAsync(new GetOperationRequest { OperationId = accepted.OperationId }, deadline: Deadline(), cancellationToken: cancellationToken)).Operation;
            }

            return op;
        });

    private static readonly HttpClient Downloads = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The artifact's bytes, from its file or streamed from its URL (never buffered whole in memory).</summary>
    /// <summary>An artifact's content: its local file, or a GET of its URL.</summary>
    public static async Task<Stream> OpenSourceAsync(PlanArtifact artifact, CancellationToken cancellationToken)
    {
        if (!artifact.FromUrl)
        {
            return File.OpenRead(artifact.Source);
        }

        var response = await Downloads.GetAsync(new Uri(artifact.Source), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new IOException($"{artifact.Source} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }

    private DateTime Deadline() => time.GetUtcNow().UtcDateTime + policy.CallTimeout;

    private Task<CallResult<T>> CallAsync<T>(PlanNode node, Func<NodeAgentService.NodeAgentServiceClient, Task<T>> call)
        where T : class =>
        GuardAsync(node, () => call(pool.For(node)));

    private static async Task<CallResult<T>> GuardAsync<T>(PlanNode node, Func<Task<T>> call)
        where T : class
    {
        try
        {
            return CallResult<T>.Success(await call());
        }
        catch (RpcException ex) when (TransportErrors.IsUnreachable(ex))
        {
            return CallResult<T>.Failure(TransportErrors.Describe(node.Name, node.Address, ex), refused: false);
        }
        catch (RpcException ex)
        {
            var refused = ex.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.AlreadyExists
                or StatusCode.ResourceExhausted or StatusCode.PermissionDenied or StatusCode.Unauthenticated or StatusCode.Aborted;
            return CallResult<T>.Failure($"{node.Name}: {ex.StatusCode}: {ex.Status.Detail}", refused);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return CallResult<T>.Failure(TransportErrors.Describe(node.Name, node.Address, ex), refused: false);
        }
    }
}
