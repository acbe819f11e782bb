using NodeAgent.Coordinator.Journal;

namespace NodeAgent.Coordinator.Engine;

/// <summary>How a run of <c>rollout</c> ended, with everything the report needs.</summary>
internal sealed record RolloutResult(RolloutRecord Rollout, IReadOnlyList<NodeRecord> Nodes, IReadOnlyList<NodeVerification> Verification, IReadOnlyList<string> Events, IReadOnlyList<JournalFact> Facts)
{
    public bool Succeeded => Rollout.State == RolloutStates.Succeeded;
}
