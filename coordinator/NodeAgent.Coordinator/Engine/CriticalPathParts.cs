namespace NodeAgent.Coordinator.Engine;

/// <summary>The parts of a rollout's ideal duration: what the window takes if every call and check cost nothing.</summary>
internal sealed record CriticalPathParts(TimeSpan Canary, TimeSpan Soak, TimeSpan ControlPlane, TimeSpan Workers, int Batches)
{
    public TimeSpan Total => Canary + Soak + ControlPlane + Workers;
}
