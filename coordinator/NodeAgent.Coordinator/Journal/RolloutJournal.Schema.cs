using System.Globalization;

namespace NodeAgent.Coordinator.Journal;

/// <summary>
/// The journal's schema version and its migrations. Version 2 keeps in columns what decides behaviour: the number
/// of runs (it is part of the operation ids of backups and controller calls, so a reworded event must never change
/// it) and when the canary gate passed. Version 1 journals (no version in meta) are migrated by reading those
/// values once from the event text they were kept in.
/// </summary>
internal sealed partial class RolloutJournal
{
    public const int SchemaVersion = 2;
    private const string SchemaKey = "schema-version";

    /// <summary>The schema version the journal file is at (after opening, always <see cref="SchemaVersion"/>).</summary>
    public int Schema() =>
        Query("SELECT CAST(value AS INTEGER) FROM meta WHERE key=$k", r => r.GetInt32(0), ("$k", SchemaKey)).FirstOrDefault(1);

    /// <summary>How many times <c>rollout</c> has run for this rollout (1 the first time).</summary>
    public int Runs(string rollout) => Query("SELECT runs FROM rollouts WHERE id=$r", r => r.GetInt32(0), ("$r", rollout)).FirstOrDefault();

    /// <summary>A stopped rollout runs again: its run number (and the operation ids that carry it) moves on by one.</summary>
    public void StartRun(string rollout) => Execute("UPDATE rollouts SET runs=runs+1, updated=$now WHERE id=$id", ("$now", Now()), ("$id", rollout));

    /// <summary>The canary gate passed: a resumed rollout does not soak the canary again.</summary>
    public void PassCanaryGate(string rollout) => Execute("UPDATE rollouts SET canary_passed=$now WHERE id=$id", ("$now", Now()), ("$id", rollout));

    public bool CanaryGatePassed(string rollout) =>
        Query("SELECT canary_passed IS NOT NULL FROM rollouts WHERE id=$r", r => r.GetBoolean(0), ("$r", rollout)).FirstOrDefault();

    private void Migrate()
    {
        lock (_lock)
        {
            if (Schema() >= SchemaVersion)
            {
                return;
            }

            using var transaction = _connection.BeginTransaction();
            var columns = Query("PRAGMA table_info(rollouts)", r => r.GetString(1));
            if (!columns.Contains("runs"))
            {
                Run("ALTER TABLE rollouts ADD COLUMN runs INTEGER NOT NULL DEFAULT 0");
            }

            if (!columns.Contains("canary_passed"))
            {
                Run("ALTER TABLE rollouts ADD COLUMN canary_passed TEXT");
            }

            // The words version 1 kept these in; read once here, never again.
            Run("UPDATE rollouts SET runs=(SELECT COUNT(*) FROM events e WHERE e.rollout=rollouts.id AND (e.message LIKE 'started:%' OR e.message LIKE 'resumed %'))");
            Run("UPDATE rollouts SET canary_passed=(SELECT MIN(time) FROM events e WHERE e.rollout=rollouts.id AND e.message LIKE '%canary gate passed')");
            Run("INSERT INTO meta VALUES($k,$v) ON CONFLICT(key) DO UPDATE SET value=$v", ("$k", SchemaKey), ("$v", SchemaVersion.ToString(CultureInfo.InvariantCulture)));
            transaction.Commit();
        }
    }
}
