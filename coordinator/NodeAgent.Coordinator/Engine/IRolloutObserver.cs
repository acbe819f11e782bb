namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// What the engine tells whoever watches a rollout: the phase, the batch, each node's start and end, and lines worth
/// showing. The engine never knows who listens; <see cref="Progress.RolloutProgress"/> implements it and feeds the
/// live view, the plain log and the Prometheus metrics; <see cref="Logging.RolloutLog"/> writes it as structured log events. Implementations must be thread-safe (nodes run in parallel).
/// </summary>
internal interface IRolloutObserver
{
    void SetPhase(string phase);

    void SetBatch(int batch, int batches, int size);

    void SetPaused(bool paused);

    /// <summary>Nodes already done in an earlier run (a resumed rollout counts them from the start).</summary>
    void Preload(int succeeded);

    void NodeStarted(string node, IEnumerable<string> components);

    /// <summary>A step the agent reported for one component of a node, within the operation that upgrades it.</summary>
    void Step(string node, string component, string operationId, string step, string message);

    void NodeInFlight(string node, TimeSpan duration, string detail);

    void NodeFinished(string node, bool ok, TimeSpan duration, string detail);

    /// <summary>The rollout ended in <paramref name="state"/> (succeeded, failed, aborted) for <paramref name="reason"/>.</summary>
    void Ended(string rollout, string state, string reason);

    void Say(string line);
}
