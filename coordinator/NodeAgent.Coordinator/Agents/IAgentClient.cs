using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Agents;

/// <summary>
/// The coordinator's seam to the node agents: one typed call per thing it asks, each with its deadline, each
/// returning a <see cref="CallResult{T}"/> instead of throwing (one unreachable node must not fail a batch of a
/// thousand). Mutations start an operation (idempotent by its id) and follow it to a terminal state.
/// <see cref="GrpcAgentClient"/> talks to real agents; the engine-rule tests use a scripted fake.
/// </summary>
internal interface IAgentClient
{
    Task<CallResult<GetInfoResponse>> InfoAsync(PlanNode node, bool probe, CancellationToken cancellationToken);

    Task<CallResult<ListArtifactsResponse>> StagedAsync(PlanNode node, IEnumerable<string> digests, CancellationToken cancellationToken);

    /// <summary>The node's operations that are not finished yet.</summary>
    Task<CallResult<ListOperationsResponse>> UnfinishedAsync(PlanNode node, CancellationToken cancellationToken);

    /// <summary>The newest operation on one of the node's components (the agent runs one at a time per component), or none.</summary>
    Task<CallResult<ListOperationsResponse>> LatestAsync(PlanNode node, string component, CancellationToken cancellationToken);

    /// <summary>Follows an operation that is already on the node to its end (NotFound, refused, when there is none).</summary>
    Task<CallResult<Operation>> FollowAsync(PlanNode node, string operationId, CancellationToken cancellationToken);

    /// <summary>Streams one artifact from its source; the agent stores it only if the digest matches.</summary>
    Task<CallResult<StageArtifactResponse>> StageAsync(PlanNode node, PlanArtifact artifact, CancellationToken cancellationToken);

    Task<CallResult<Operation>> ApplyAsync(PlanNode node, ApplyRequest request, Action<OperationEvent> onEvent, CancellationToken cancellationToken);

    Task<CallResult<Operation>> BackupAsync(PlanNode node, BackupRequest request, CancellationToken cancellationToken);

    Task<CallResult<Operation>> RollbackAsync(PlanNode node, RollbackRequest request, CancellationToken cancellationToken);

    Task<CallResult<Operation>> StartAsync(PlanNode node, StartComponentRequest request, CancellationToken cancellationToken);

    Task<CallResult<Operation>> StopAsync(PlanNode node, StopComponentRequest request, CancellationToken cancellationToken);

    Task<CallResult<AcquireClaimResponse>> AcquireClaimAsync(PlanNode node, AcquireClaimRequest request, CancellationToken cancellationToken);

    Task<CallResult<ReleaseClaimResponse>> ReleaseClaimAsync(PlanNode node, ReleaseClaimRequest request, CancellationToken cancellationToken);
}
