namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// A cluster-level step around the node work (silence alerts, stop controllers). BeforeWindow runs in registration
/// order; AfterNodes and OnStop run in reverse, so that the last thing done before the window is the first undone.
/// Each must be idempotent, since a resumed rollout runs it again. A <see cref="CoordinatorException"/> from
/// BeforeWindow or AfterControlPlaneNode stops the rollout (and OnStop runs).
/// </summary>
internal interface IRolloutHook
{
    string Name { get; }

    /// <summary>Before the first node is touched (after preflight and backup).</summary>
    Task BeforeWindowAsync(CancellationToken cancellationToken);

    /// <summary>After each control-plane node is upgraded (canaries included), before the next node.</summary>
    Task AfterControlPlaneNodeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the last node is done (and the pods are labeled), before verification.</summary>
    Task AfterNodesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// When the rollout stops early (threshold, canary gate or abort): undo what BeforeWindow did, on the nodes in
    /// <paramref name="claimed"/> only (the nodes this run holds the claim of; another rollout's nodes are never touched).
    /// Not called while any node's outcome is unknown (it may still be mid-apply).
    /// </summary>
    Task OnStopAsync(IReadOnlySet<string> claimed, CancellationToken cancellationToken);
}
