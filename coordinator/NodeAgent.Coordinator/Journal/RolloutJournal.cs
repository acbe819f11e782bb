using System.Globalization;
using Microsoft.Data.Sqlite;

namespace NodeAgent.Coordinator.Journal;

/// <summary>
/// The rollouts' state in one SQLite file (WAL, so that pause/resume/abort from another process and status
/// readers do not block the engine). Written before each step acts, so that a killed coordinator resumes.
/// </summary>
internal sealed partial class RolloutJournal : IRolloutJournal
{
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    public RolloutJournal(string path, TimeProvider time)
    {
        _time = time;
        Location = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Run("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;");
        Run("""
            CREATE TABLE IF NOT EXISTS rollouts(
              id TEXT PRIMARY KEY, plan_digest TEXT NOT NULL, plan_path TEXT NOT NULL, target TEXT NOT NULL,
              state TEXT NOT NULL, phase TEXT NOT NULL, control TEXT NOT NULL, started TEXT NOT NULL,
              updated TEXT NOT NULL, finished TEXT, message TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS nodes(
              rollout TEXT NOT NULL, node TEXT NOT NULL, role TEXT NOT NULL, state TEXT NOT NULL, attempt INTEGER NOT NULL,
              from_version TEXT NOT NULL, to_version TEXT NOT NULL, started TEXT, finished TEXT, reason TEXT NOT NULL,
              restarts INTEGER NOT NULL, PRIMARY KEY(rollout, node));
            CREATE TABLE IF NOT EXISTS events(rollout TEXT NOT NULL, time TEXT NOT NULL, message TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS facts(
              rollout TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, time TEXT NOT NULL,
              PRIMARY KEY(rollout, scope, key));
            """);
        Migrate();
    }

    /// <summary>
    /// Makes this process the only one running rollouts on this journal (an flock on <c>&lt;journal&gt;.lock</c>),
    /// so that two coordinators never drive the same nodes. status, pause, resume and abort do not need it.
    /// </summary>
    public static IDisposable LockForRollout(string path)
    {
        var lockPath = Path.GetFullPath(path) + ".lock";
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new CoordinatorException($"another coordinator is running a rollout on {path} (it holds {lockPath}); watch it with status, or stop it first");
        }
    }

    /// <summary>Whether a coordinator holds <see cref="LockForRollout"/> on this journal now (a rollout is really running).</summary>
    public static bool IsLocked(string path)
    {
        try
        {
            using var probe = new FileStream(Path.GetFullPath(path) + ".lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public string Location { get; }

    public RolloutRecord? Find(string id) => Query("SELECT * FROM rollouts WHERE id=$id", ReadRollout, ("$id", id)).FirstOrDefault();

    public IReadOnlyList<RolloutRecord> All() => Query("SELECT * FROM rollouts ORDER BY started DESC", ReadRollout);

    public IReadOnlyList<NodeRecord> Nodes(string rollout) => Query("SELECT * FROM nodes WHERE rollout=$r ORDER BY rowid", ReadNode, ("$r", rollout));

    public IReadOnlyList<string> Events(string rollout) => Query("SELECT time, message FROM events WHERE rollout=$r ORDER BY rowid", r => $"{r.GetString(0)} {r.GetString(1)}", ("$r", rollout));

    public void CreateRollout(string id, string digest, string planPath, string target, IEnumerable<(string Node, string Role)> nodes)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            var now = Now();
            Run(
                "INSERT INTO rollouts VALUES($id,$d,$p,$t,$s,'',$c,$now,$now,NULL,'',1,NULL)",
                ("$id", id), ("$d", digest), ("$p", planPath), ("$t", target), ("$s", RolloutStates.Running), ("$c", ""), ("$now", now));
            foreach (var (node, role) in nodes)
            {
                Run(
                    "INSERT INTO nodes VALUES($r,$n,$role,$s,0,'','',NULL,NULL,'',0)",
                    ("$r", id), ("$n", node), ("$role", role), ("$s", NodeStates.Pending));
            }

            transaction.Commit();
        }
    }

    public void SetState(string id, string state, string message) =>
        Execute(
            "UPDATE rollouts SET state=$s, message=$m, updated=$now, finished=CASE WHEN $s IN ('succeeded','failed','aborted') THEN $now ELSE NULL END WHERE id=$id",
            ("$s", state), ("$m", message), ("$now", Now()), ("$id", id));

    public void SetPhase(string id, string phase) => Execute("UPDATE rollouts SET phase=$p, updated=$now WHERE id=$id", ("$p", phase), ("$now", Now()), ("$id", id));

    /// <summary>Asks a running rollout to pause, resume or abort (read by the engine between nodes and batches).</summary>
    public bool RequestControl(string id, string control) =>
        Execute("UPDATE rollouts SET control=$c, updated=$now WHERE id=$id", ("$c", control), ("$now", Now()), ("$id", id)) == 1;

    public string Control(string id) => Find(id)?.Control ?? "";

    /// <summary>A node is about to be touched: record it first, with the attempt whose operation ids it will use.</summary>
    public int StartNode(string rollout, string node)
    {
        var current = Query("SELECT * FROM nodes WHERE rollout=$r AND node=$n", ReadNode, ("$r", rollout), ("$n", node)).Single();
        var attempt = current.State == NodeStates.InFlight ? current.Attempt : current.Attempt + 1;
        Execute(
            "UPDATE nodes SET state=$s, attempt=$a, started=COALESCE(started,$now), reason='' WHERE rollout=$r AND node=$n",
            ("$s", NodeStates.InFlight), ("$a", attempt), ("$now", Now()), ("$r", rollout), ("$n", node));
        return attempt;
    }

    public void FinishNode(string rollout, string node, string state, string fromVersion, string toVersion, string reason, int restarts) =>
        Execute(
            "UPDATE nodes SET state=$s, from_version=$f, to_version=$t, finished=$now, reason=$why, restarts=$x WHERE rollout=$r AND node=$n",
            ("$s", state), ("$f", fromVersion), ("$t", toVersion), ("$now", Now()), ("$why", reason), ("$x", restarts), ("$r", rollout), ("$n", node));

    /// <summary>
    /// A node found bad after it was counted as done (the canary gate): failed, or rolled back to the version it came
    /// from, with the reason.
    /// </summary>
    public void MarkNode(string rollout, string node, string state, string reason) =>
        Execute(
            "UPDATE nodes SET state=$s, reason=$why, finished=$now, to_version=CASE WHEN $s=$rb THEN from_version ELSE to_version END WHERE rollout=$r AND node=$n",
            ("$s", state), ("$why", reason), ("$now", Now()), ("$rb", NodeStates.RolledBack), ("$r", rollout), ("$n", node));

    /// <summary>Keeps a node in flight with a note (its outcome is not known yet).</summary>
    public void NoteNode(string rollout, string node, string reason) =>
        Execute("UPDATE nodes SET reason=$why WHERE rollout=$r AND node=$n", ("$why", reason), ("$r", rollout), ("$n", node));

    public void AddEvent(string rollout, string message) => Execute("INSERT INTO events VALUES($r,$now,$m)", ("$r", rollout), ("$now", Now()), ("$m", message));

    /// <summary>
    /// Records what a cluster step found or did (a silence id, a snapshot, a node's container check), so that a resumed
    /// rollout reuses it and the report shows it. <paramref name="scope"/> is a node name, or "" for the whole rollout.
    /// </summary>
    public void SetFact(string rollout, string scope, string key, string value) =>
        Execute(
            "INSERT INTO facts VALUES($r,$s,$k,$v,$now) ON CONFLICT(rollout, scope, key) DO UPDATE SET value=$v, time=$now",
            ("$r", rollout), ("$s", scope), ("$k", key), ("$v", value), ("$now", Now()));

    public string? Fact(string rollout, string scope, string key) =>
        Query("SELECT value FROM facts WHERE rollout=$r AND scope=$s AND key=$k", r => r.GetString(0), ("$r", rollout), ("$s", scope), ("$k", key)).FirstOrDefault();

    public IReadOnlyList<JournalFact> Facts(string rollout) =>
        Query("SELECT scope, key, value FROM facts WHERE rollout=$r ORDER BY scope, key", r => new JournalFact(r.GetString(0), r.GetString(1), r.GetString(2)), ("$r", rollout));

    public void Dispose() => _connection.Dispose();

    private string Now() => _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Runs one statement at once, in its own implicit transaction (or the caller's).</summary>
    private int Run(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            return command.ExecuteNonQuery();
        }
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(read(reader));
            }

            return rows;
        }
    }

    private static RolloutRecord ReadRollout(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
        Time(r.GetString(7)), Time(r.GetString(8)), r.IsDBNull(9) ? null : Time(r.GetString(9)), r.GetString(10));

    private static NodeRecord ReadNode(SqliteDataReader r) => new(
        r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetString(5), r.GetString(6),
        r.IsDBNull(7) ? null : Time(r.GetString(7)), r.IsDBNull(8) ? null : Time(r.GetString(8)), r.GetString(9), r.GetInt32(10));

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
