using NodeAgent.Coordinator.Engine;

namespace NodeAgent.Coordinator.Progress;

/// <summary>Several observers of one rollout (the progress and the structured log), told the same things in the same order.</summary>
internal sealed class ObserverSet(IReadOnlyList<IRolloutObserver> all) : IRolloutObserver
{
    public void SetPhase(string phase) => Each(o => o.SetPhase(phase));

    public void SetBatch(int batch, int batches, int size) => Each(o => o.SetBatch(batch, batches, size));

    public void SetPaused(bool paused) => Each(o => o.SetPaused(paused));

    public void Preload(int succeeded) => Each(o => o.Preload(succeeded));

    public void NodeStarted(string node, IEnumerable<string> components)
    {
        var names = components.ToList();
        Each(o => o.NodeStarted(node, names));
    }

    public void Step(string node, string component, string operationId, string step, string message) => Each(o => o.Step(node, component, operationId, step, message));

    public void NodeInFlight(string node, TimeSpan duration, string detail) => Each(o => o.NodeInFlight(node, duration, detail));

    public void NodeFinished(string node, bool ok, TimeSpan duration, string detail) => Each(o => o.NodeFinished(node, ok, duration, detail));

    public void Ended(string rollout, string state, string reason) => Each(o => o.Ended(rollout, state, reason));

    public void Say(string line) => Each(o => o.Say(line));

    private void Each(Action<IRolloutObserver> tell)
    {
        foreach (var observer in all)
        {
            tell(observer);
        }
    }
}
