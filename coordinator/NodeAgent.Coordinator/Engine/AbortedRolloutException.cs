namespace NodeAgent.Coordinator.Engine;

/// <summary>The rollout was aborted earlier: the engine undoes its cluster steps, then refuses with this message.</summary>
internal sealed class AbortedRolloutException(string message) : Exception(message);
