using System.Globalization;

namespace NodeAgent.Coordinator.Journal;

/// <summary><c>journal import</c> into a SQLite journal: the whole rollout in one transaction, or nothing.</summary>
internal sealed partial class RolloutJournal
{
    public void Import(RolloutDump dump)
    {
        lock (_lock)
        {
            var r = dump.Rollout;
            if (Find(r.Id) is not null)
            {
                throw new CoordinatorException($"{Location} already holds a rollout {r.Id}; import it into another journal, or remove that one first");
            }

            using var transaction = _connection.BeginTransaction();
            Run(
                "INSERT INTO rollouts VALUES($id,$d,$p,$t,$s,$ph,$c,$st,$up,$fin,$m,$runs,$canary)",
                ("$id", r.Id), ("$d", r.PlanDigest), ("$p", r.PlanPath), ("$t", r.TargetVersion), ("$s", r.State), ("$ph", r.Phase), ("$c", r.Control),
                ("$st", Text(r.StartedAt)), ("$up", Text(r.UpdatedAt)), ("$fin", r.FinishedAt is { } f ? Text(f) : null), ("$m", r.Message),
                ("$runs", dump.Runs), ("$canary", dump.CanaryGatePassed ? Now() : null));
            foreach (var n in dump.Nodes)
            {
                Run(
                    "INSERT INTO nodes VALUES($r,$n,$role,$s,$a,$f,$t,$st,$fin,$why,$x)",
                    ("$r", r.Id), ("$n", n.Node), ("$role", n.Role), ("$s", n.State), ("$a", n.Attempt), ("$f", n.FromVersion), ("$t", n.ToVersion),
                    ("$st", n.StartedAt is { } s ? Text(s) : null), ("$fin", n.FinishedAt is { } e ? Text(e) : null), ("$why", n.Reason), ("$x", n.Restarts));
            }

            foreach (var e in dump.Events)
            {
                Run("INSERT INTO events VALUES($r,$t,$m)", ("$r", r.Id), ("$t", Text(e.Time)), ("$m", e.Message));
            }

            foreach (var fact in dump.Facts)
            {
                Run("INSERT INTO facts VALUES($r,$s,$k,$v,$now)", ("$r", r.Id), ("$s", fact.Scope), ("$k", fact.Key), ("$v", fact.Value), ("$now", Now()));
            }

            transaction.Commit();
        }
    }

    private static string Text(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);
}
