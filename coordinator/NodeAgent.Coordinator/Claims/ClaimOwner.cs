using NodeAgent.Contracts.V1;

namespace NodeAgent.Coordinator.Claims;

/// <summary>Who claims the nodes in this run: the rollout, the journal it is recorded in, the process, and the run's fencing number.</summary>
internal sealed record ClaimOwner(string RolloutId, string JournalId, string Holder, long Fencing)
{
    /// <summary>The holder of this process, as the agents show it.</summary>
    public static string ThisProcess => $"nodeagent-coordinator pid {Environment.ProcessId} on {Environment.MachineName}";

    /// <summary>What every mutating call of the run carries.</summary>
    public ClaimRef Ref() => new() { RolloutId = RolloutId, JournalId = JournalId, Fencing = Fencing };
}
