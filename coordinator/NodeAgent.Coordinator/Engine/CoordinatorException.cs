namespace NodeAgent.Coordinator.Engine;

/// <summary>A refusal to run (plan changed under a rollout, rollout aborted, unknown rollout); the message says what to do.</summary>
internal class CoordinatorException(string message) : Exception(message);

/// <summary>The rollout was aborted earlier: the engine undoes its cluster steps, then refuses with this message.</summary>
internal sealed class AbortedRolloutException(string message) : Exception(message);
