namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// What the engine tells whoever watches a rollout: the phase, the batch, each node's start and end, and lines worth
/// showing. The engine never knows who listens; <see cref="Progress.RolloutProgress"/> implements it and feeds the
/// live view, the plain log and the Prometheus metrics. Implementations must be thread-safe (nodes run in parallel).
/// </summary>
internal interface IRolloutObserver
{
    void SetPhase(string phase);

    void SetBatch(int batch, int batches, int size);

    void SetPaused(bool paused);

    /// <summary>Nodes already done in an earlier run (a resumed rollout counts them from the start).</summary>
    void Preload(int succeeded);

    void NodeStarted(string node, IEnumerable<string> components);

    void Step(string node, string component, string step, string message);

    void NodeInFlight(string node, TimeSpan duration, string detail);

    void NodeFinished(string node, bool ok, TimeSpan duration, string detail);

    void Say(string line);
}
