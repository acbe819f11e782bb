namespace NodeAgent.Coordinator.Journal;

internal static class RolloutStates
{
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Aborted = "aborted";

    /// <summary>Shown, never stored: the journal says running or paused, but no coordinator holds the journal's lock.</summary>
    public const string Interrupted = "interrupted";

    public static bool IsFinished(string state) => state is Succeeded or Failed or Aborted;
}

internal static class NodeStates
{
    public const string Pending = "pending";
    public const string InFlight = "in-flight";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string RolledBack = "rolled-back";

    public static bool IsDone(string state) => state == Succeeded;

    public static bool IsFailure(string state) => state is Failed or RolledBack;
}

/// <summary>A rollout as journaled.</summary>
internal sealed partial record RolloutRecord(
    string Id,
    string PlanDigest,
    string PlanPath,
    string TargetVersion,
    string State,
    string Phase,
    string Control,
    DateTimeOffset StartedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt,
    string Message);

/// <summary>A node of a rollout as journaled.</summary>
internal sealed record NodeRecord(
    string Node,
    string Role,
    string State,
    int Attempt,
    string FromVersion,
    string ToVersion,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string Reason,
    int Restarts);

/// <summary>One recorded fact of a rollout: scope is a node name or "" for the whole rollout.</summary>
internal sealed record JournalFact(string Scope, string Key, string Value);
