using NodeAgent.Coordinator.Claims;

namespace NodeAgent.Coordinator.Journal;

/// <summary>
/// What the node claims need from the journal: an id that names this journal (a copy of a rollout in another
/// journal is another owner), and a fencing number that only grows, one per run. The etcd journal will hand out the
/// leader's election revision instead; the claims only need the number to grow.
/// </summary>
internal sealed partial class RolloutJournal
{
    private const string JournalIdKey = "journal-id";
    private const string FencingKey = "fencing";

    /// <summary>The claim owner for one run of <paramref name="rollout"/>: takes the next fencing number (durably).</summary>
    public ClaimOwner NextClaimOwner(string rollout, string holder)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            Run("INSERT OR IGNORE INTO meta VALUES($k, $v)", ("$k", JournalIdKey), ("$v", $"sqlite:{Guid.NewGuid():N}"));
            Run("INSERT INTO meta VALUES($k, '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1", ("$k", FencingKey));
            var id = Query("SELECT value FROM meta WHERE key=$k", r => r.GetString(0), ("$k", JournalIdKey)).Single();
            var fencing = Query("SELECT CAST(value AS INTEGER) FROM meta WHERE key=$k", r => r.GetInt64(0), ("$k", FencingKey)).Single();
            transaction.Commit();
            return new ClaimOwner(rollout, id, holder, fencing);
        }
    }
}
