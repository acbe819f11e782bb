using NodeAgent.Coordinator.Journal;

namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>How a phase stopped the rollout: the rollout's state and why. A phase that lets the rollout go on returns null.</summary>
internal sealed record PhaseOutcome(string State, string Message)
{
    public static PhaseOutcome Failed(string message) => new(RolloutStates.Failed, message);

    public static PhaseOutcome Aborted(string message) => new(RolloutStates.Aborted, message);

    public static PhaseOutcome Succeeded(string message) => new(RolloutStates.Succeeded, message);
}
