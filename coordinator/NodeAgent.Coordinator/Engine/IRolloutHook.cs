namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// A cluster-level step around the node work (stop controllers, silence alerts, label pods, start controllers).
/// Hooks run in registration order; each must be idempotent, since a resumed rollout runs it again.
/// </summary>
internal interface IRolloutHook
{
    string Name { get; }

    /// <summary>Before the first node is touched (after preflight and backup).</summary>
    Task BeforeWindowAsync(CancellationToken cancellationToken);

    /// <summary>After the last node is done, before verification.</summary>
    Task AfterNodesAsync(CancellationToken cancellationToken);

    /// <summary>When the rollout stops early (threshold, canary gate or abort): undo what BeforeWindow did.</summary>
    Task OnStopAsync(CancellationToken cancellationToken);
}
