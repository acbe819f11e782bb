using Grpc.Core;
using NodeAgent.Client.Operations;
using NodeAgent.Client.Transport;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Agents;

/// <summary>
/// <see cref="IAgentClient"/> over gRPC, through the shared client library (the one upload, the one follow loop).
/// <paramref name="operationExtra"/> lengthens the follow of an operation: an apply may roll back (a second health
/// wait), and with the cluster gates it also soaks before counting connections and snapshots the container runtime.
/// </summary>
internal sealed class GrpcAgentClient(AgentClientPool pool, RolloutPolicy policy, TimeProvider time, TimeSpan operationExtra = default) : IAgentClient
{
    public Task<CallResult<GetInfoResponse>> InfoAsync(PlanNode node, bool probe, CancellationToken cancellationToken) =>
        CallAsync(node, client => client.GetInfoAsync(new GetInfoRequest { Probe = probe }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    public Task<CallResult<ListArtifactsResponse>> StagedAsync(PlanNode node, IEnumerable<string> digests, CancellationToken cancellationToken) =>
        CallAsync(node, client => client.ListArtifactsAsync(new ListArtifactsRequest { Sha256 = { digests } }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    public Task<CallResult<ListOperationsResponse>> UnfinishedAsync(PlanNode node, CancellationToken cancellationToken) =>
        CallAsync(node, client => client.ListOperationsAsync(new ListOperationsRequest { UnfinishedOnly = true, Limit = 1000 }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    public Task<CallResult<ListOperationsResponse>> LatestAsync(PlanNode node, string component, CancellationToken cancellationToken) =>
        CallAsync(node, client => client.ListOperationsAsync(new ListOperationsRequest { Component = component, Limit = 1 }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    public Task<CallResult<Operation>> FollowAsync(PlanNode node, string operationId, CancellationToken cancellationToken) =>
        CallAsync(node, client => OperationFollow.FollowAsync(client, operationId, Follow(), _ => { }, time, cancellationToken));

    public Task<CallResult<StageArtifactResponse>> StageAsync(PlanNode node, PlanArtifact artifact, CancellationToken cancellationToken) =>
        CallAsync(node, client =>
        {
            var deadline = time.GetUtcNow().UtcDateTime + policy.CallTimeout + TimeSpan.FromSeconds(artifact.Size / (10.0 * 1024 * 1024));
            var header = new ArtifactHeader { Name = artifact.Name, Sha256 = artifact.Sha256, Size = artifact.Size };
            return ArtifactUpload.UploadAsync(client, header, ct => ArtifactSource.OpenAsync(artifact, ct), deadline, cancellationToken);
        });

    public Task<CallResult<Operation>> ApplyAsync(PlanNode node, ApplyRequest request, Action<OperationEvent> onEvent, CancellationToken cancellationToken) =>
        RunAsync(node, async (client, deadline) => (await client.ApplyAsync(request, deadline: deadline, cancellationToken: cancellationToken)).Operation, onEvent, cancellationToken);

    public Task<CallResult<Operation>> BackupAsync(PlanNode node, BackupRequest request, CancellationToken cancellationToken) =>
        RunAsync(node, async (client, deadline) => (await client.BackupAsync(request, deadline: deadline, cancellationToken: cancellationToken)).Operation, _ => { }, cancellationToken);

    public Task<CallResult<Operation>> RollbackAsync(PlanNode node, RollbackRequest request, CancellationToken cancellationToken) =>
        RunAsync(node, async (client, deadline) => (await client.RollbackAsync(request, deadline: deadline, cancellationToken: cancellationToken)).Operation, _ => { }, cancellationToken);

    public Task<CallResult<Operation>> StartAsync(PlanNode node, StartComponentRequest request, CancellationToken cancellationToken) =>
        RunAsync(node, async (client, deadline) => (await client.StartComponentAsync(request, deadline: deadline, cancellationToken: cancellationToken)).Operation, _ => { }, cancellationToken);

    public Task<CallResult<Operation>> StopAsync(PlanNode node, StopComponentRequest request, CancellationToken cancellationToken) =>
        RunAsync(node, async (client, deadline) => (await client.StopComponentAsync(request, deadline: deadline, cancellationToken: cancellationToken)).Operation, _ => { }, cancellationToken);

    public Task<CallResult<AcquireClaimResponse>> AcquireClaimAsync(PlanNode node, AcquireClaimRequest request, CancellationToken cancellationToken) =>
        GuardAsync(node, () => pool.ClaimsFor(node).AcquireClaimAsync(request, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    public Task<CallResult<ReleaseClaimResponse>> ReleaseClaimAsync(PlanNode node, ReleaseClaimRequest request, CancellationToken cancellationToken) =>
        GuardAsync(node, () => pool.ClaimsFor(node).ReleaseClaimAsync(request, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Starts an operation (idempotent by its id) and follows it to a terminal state.</summary>
    private Task<CallResult<Operation>> RunAsync(
        PlanNode node,
        Func<NodeAgentService.NodeAgentServiceClient, DateTime, Task<Operation>> start,
        Action<OperationEvent> onEvent,
        CancellationToken cancellationToken) =>
        CallAsync(node, async client => await OperationFollow.FollowAsync(client, await start(client, Deadline()), Follow(), onEvent, time, cancellationToken));

    private FollowOptions Follow() =>
        new(time.GetUtcNow().UtcDateTime + (2 * policy.HealthTimeout) + policy.CallTimeout + operationExtra, policy.CallTimeout, policy.CallTimeout);

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
