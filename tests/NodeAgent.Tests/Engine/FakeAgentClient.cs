using System.Collections.Concurrent;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Journal.Etcd;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Tests.Engine;

/// <summary>
/// A scripted <see cref="IAgentClient"/>: per-node outcomes, latencies (on the fake clock) and failures, the agent's
/// idempotency by operation id, and a log of every call, so the engine's rules are tested in-process in seconds.
/// </summary>
internal sealed class FakeAgentClient(TimeProvider time, string target) : IAgentClient
{
    private readonly ConcurrentDictionary<string, FakeNode> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Operation> _operations = new(StringComparer.Ordinal);
    private readonly List<AgentCall> _calls = [];
    private int _applying;

    /// <summary>Called as an apply starts (the test requests pause or abort here, as an operator would mid-rollout).</summary>
    public Action<string>? OnApply { get; set; }

    /// <summary>
    /// A start reaches the agent and runs there, but its caller is replaced before the answer (a leader that lost its
    /// lease mid-call): the agent lists the start as running, finishes it later, and the call ends with a lost leadership.
    /// </summary>
    public bool StartsOutliveTheirCaller { get; set; }

    public int MaxConcurrentApplies { get; private set; }

    public IReadOnlyList<AgentCall> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public FakeNode Add(string name, IReadOnlyList<string> components, string version) => _nodes[name] = new FakeNode(name, components, version);

    public FakeNode this[string name] => _nodes[name];

    /// <summary>
    /// Gives every call a latency from 0 to <paramref name="max"/>, drawn per node from a generator seeded with
    /// <paramref name="seed"/> and the node's name: the same seed gives each node the same latencies, call after call.
    /// </summary>
    public void SeedLatencies(int seed, TimeSpan max)
    {
        foreach (var fake in _nodes.Values)
        {
            fake.Jitter = new Random(seed ^ StableHash(fake.Name));
            fake.MaxJitter = max;
        }
    }

    /// <summary>The latency of the next call to <paramref name="node"/>: its fixed latency and its next seeded jitter.</summary>
    public TimeSpan NextLatency(string node)
    {
        var fake = _nodes[node];
        if (fake.Jitter is not { } jitter)
        {
            return fake.CallLatency;
        }

        lock (jitter)
        {
            return fake.CallLatency + (fake.MaxJitter * jitter.NextDouble());
        }
    }

    public IReadOnlyList<AgentCall> Of(string kind) => Calls.Where(c => c.Kind == kind).ToList();

    public Task<CallResult<GetInfoResponse>> InfoAsync(PlanNode node, bool probe, CancellationToken cancellationToken) =>
        Answer(node, "info", "", "", fake =>
        {
            var degraded = fake.HealthyProbesAfterApply is { } probes && probe && fake.ProbesSinceApply++ >= probes;
            var healthy = !degraded && (fake.UnhealthyFrom is not { } from || time.GetUtcNow() < from);
            var info = new GetInfoResponse { NodeName = node.Name, Store = new StoreStatus { FreeBytes = long.MaxValue } };
            info.Components.AddRange(fake.Components.Select(c => new ComponentStatus
            {
                Name = c,
                Version = fake.Versions[c],
                Healthy = healthy,
                HealthMessage = healthy ? "" : "health check failed",
                BusyOperationId = fake.BusyOperationId,
            }));
            return info;
        });

    public Task<CallResult<ListArtifactsResponse>> StagedAsync(PlanNode node, IEnumerable<string> digests, CancellationToken cancellationToken) =>
        Answer(node, "staged", "", "", fake => new ListArtifactsResponse { Artifacts = { fake.Staged ? digests.Select(d => new ArtifactInfo { Sha256 = d }) : [] } });

    public Task<CallResult<ListOperationsResponse>> UnfinishedAsync(PlanNode node, CancellationToken cancellationToken) =>
        Answer(node, "unfinished", "", "", fake => new ListOperationsResponse { Operations = { fake.StuckOperations.Select(id => new Operation { OperationId = id, State = OperationState.Running }) } });

    public Task<CallResult<ListOperationsResponse>> LatestAsync(PlanNode node, string component, CancellationToken cancellationToken) =>
        Answer(node, "latest", component, "", fake =>
        {
            lock (fake.History)
            {
                return new ListOperationsResponse { Operations = { fake.History.Where(o => o.Component == component).TakeLast(1) } };
            }
        });

    public async Task<CallResult<Operation>> FollowAsync(PlanNode node, string operationId, CancellationToken cancellationToken)
    {
        Record(node.Name, "follow", "", operationId);
        await DelayAsync(node.Name);
        if (_nodes[node.Name].StuckOperations.Contains(operationId))
        {
            return CallResult<Operation>.Success(new Operation { OperationId = operationId, State = OperationState.Running });
        }

        return _operations.TryGetValue(operationId, out var op)
            ? CallResult<Operation>.Success(op)
            : CallResult<Operation>.Failure($"{node.Name}: NotFound: no operation {operationId}", refused: true);
    }

    public Task<CallResult<StageArtifactResponse>> StageAsync(PlanNode node, PlanArtifact artifact, CancellationToken cancellationToken) =>
        Answer(node, "stage", artifact.Name, "", _ => new StageArtifactResponse { Sha256 = artifact.Sha256 });

    public async Task<CallResult<Operation>> ApplyAsync(PlanNode node, ApplyRequest request, Action<OperationEvent> onEvent, CancellationToken cancellationToken)
    {
        Record(node.Name, "apply", request.Component, request.OperationId);
        await DelayAsync(node.Name);
        var fake = _nodes[node.Name];
        if (fake.Unreachable)
        {
            return Unreachable<Operation>(node);
        }

        if (_operations.TryGetValue(request.OperationId, out var existing))
        {
            return CallResult<Operation>.Success(existing);
        }

        OnApply?.Invoke(node.Name);
        var now = Interlocked.Increment(ref _applying);
        lock (_calls)
        {
            MaxConcurrentApplies = Math.Max(MaxConcurrentApplies, now);
        }

        try
        {
            await Task.Delay(fake.ApplyLatency, time, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _applying);
        }

        var from = fake.Versions[request.Component];
        var failed = fake.FailApply.Contains(request.Component);
        if (!failed)
        {
            fake.Versions[request.Component] = request.TargetVersion;
        }

        fake.ProbesSinceApply = 0;

        var op = Remember(fake, Finished(request.OperationId, request.Component, failed ? OperationState.RolledBack : OperationState.Succeeded, failed ? "health check failed; rolled back" : "applied", OperationKind.Apply));
        op.FromVersion = from;
        op.ToVersion = failed ? from : request.TargetVersion;
        op.Changed = !failed && from != request.TargetVersion;
        onEvent(new OperationEvent { Sequence = 1, Step = "done", Message = op.Message });
        return fake.LoseApplyAnswer ? Unreachable<Operation>(node) : CallResult<Operation>.Success(op);
    }

    public Task<CallResult<Operation>> BackupAsync(PlanNode node, BackupRequest request, CancellationToken cancellationToken) =>
        Answer(node, "backup", request.Component, request.OperationId, fake =>
            Finished(request.OperationId, request.Component, fake.FailBackup ? OperationState.Failed : OperationState.Succeeded, fake.FailBackup ? "disk full" : "backed up"));

    public Task<CallResult<Operation>> RollbackAsync(PlanNode node, RollbackRequest request, CancellationToken cancellationToken) =>
        Answer(node, "rollback", request.Component, request.OperationId, fake =>
        {
            fake.Versions[request.Component] = _operations[request.TargetOperationId].FromVersion;
            return Finished(request.OperationId, request.Component, OperationState.Succeeded, "rolled back");
        });

    public Task<CallResult<Operation>> StartAsync(PlanNode node, StartComponentRequest request, CancellationToken cancellationToken) =>
        Answer(node, "start", request.Component, request.OperationId, fake =>
        {
            var started = Finished(request.OperationId, request.Component, OperationState.Succeeded, "started", OperationKind.Start);
            if (!StartsOutliveTheirCaller)
            {
                return Remember(fake, started);
            }

            Remember(fake, new Operation(started) { State = OperationState.Running, Message = "starting" });
            throw new LeadershipLostException($"replaced while {request.OperationId} ran");
        });

    public Task<CallResult<Operation>> StopAsync(PlanNode node, StopComponentRequest request, CancellationToken cancellationToken) =>
        Answer(node, "stop", request.Component, request.OperationId, fake => Remember(fake, Finished(request.OperationId, request.Component, OperationState.Succeeded, "stopped", OperationKind.Stop)));

    public async Task<CallResult<AcquireClaimResponse>> AcquireClaimAsync(PlanNode node, AcquireClaimRequest request, CancellationToken cancellationToken)
    {
        Record(node.Name, "claim", "", "");
        await DelayAsync(node.Name);
        var fake = _nodes[node.Name];
        return fake.Unreachable ? Unreachable<AcquireClaimResponse>(node)
            : fake.RefuseClaim ? CallResult<AcquireClaimResponse>.Failure($"{node.Name}: Aborted: claimed by rollout other", refused: true)
            : CallResult<AcquireClaimResponse>.Success(new AcquireClaimResponse());
    }

    public Task<CallResult<ReleaseClaimResponse>> ReleaseClaimAsync(PlanNode node, ReleaseClaimRequest request, CancellationToken cancellationToken) =>
        Answer(node, "release", "", "", _ => new ReleaseClaimResponse());

    private static CallResult<T> Unreachable<T>(PlanNode node)
        where T : class =>
        CallResult<T>.Failure($"{node.Name} ({node.Address}): no agent listening (connection refused)", refused: false);

    private static Operation Remember(FakeNode fake, Operation op)
    {
        lock (fake.History)
        {
            if (!fake.History.Contains(op))
            {
                fake.History.Add(op);
            }
        }

        return op;
    }

    private Operation Finished(string id, string component, OperationState state, string message, OperationKind kind = OperationKind.Unspecified) =>
        _operations.GetOrAdd(id, _ => new Operation { OperationId = id, Kind = kind, Component = component, State = state, Message = message, ToVersion = target });

    private async Task<CallResult<T>> Answer<T>(PlanNode node, string kind, string component, string operationId, Func<FakeNode, T> answer)
        where T : class
    {
        Record(node.Name, kind, component, operationId);
        await DelayAsync(node.Name);
        var fake = _nodes[node.Name];
        return fake.Unreachable ? Unreachable<T>(node) : CallResult<T>.Success(answer(fake));
    }

    /// <summary>Waits out the node's call latency on the fake clock (the engine's own deadlines and cancellation are not this fake's concern).</summary>
    private async Task DelayAsync(string node)
    {
        var latency = NextLatency(node);
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, time);
        }
    }

    private static int StableHash(string text) => text.Aggregate(17, (hash, c) => unchecked((hash * 31) + c));

    private void Record(string node, string kind, string component, string operationId)
    {
        lock (_calls)
        {
            _calls.Add(new AgentCall(_calls.Count, time.GetUtcNow(), node, kind, component, operationId));
        }
    }
}
