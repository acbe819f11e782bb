using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Coordinator.Journal;

namespace NodeAgent.Tests.Engine;

/// <summary>The journal's schema version 2: runs and the canary gate in columns, migrated from a version 1 file.</summary>
[Trait("Category", "EngineRules")]
public sealed class JournalSchemaTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("journal-schema-").FullName;

    [Fact]
    public void Open_VersionOneJournal_RunsAndCanaryGateReadFromItsEvents()
    {
        var path = Path.Combine(_directory, "v1.db");
        WriteVersionOne(path);

        using var journal = new RolloutJournal(path, new FakeTimeProvider());

        Assert.Equal(RolloutJournal.SchemaVersion, journal.Schema());
        Assert.Equal(3, journal.Runs("old"));
        Assert.True(journal.CanaryGatePassed("old"));
    }

    [Fact]
    public void Open_Twice_MigratesOnce()
    {
        var path = Path.Combine(_directory, "v1.db");
        WriteVersionOne(path);
        using (var first = new RolloutJournal(path, new FakeTimeProvider()))
        {
            first.StartRun("old");
        }

        using var second = new RolloutJournal(path, new FakeTimeProvider());

        Assert.Equal(4, second.Runs("old"));
    }

    [Fact]
    public void Runs_EventsReworded_RunCountUnchanged()
    {
        using var journal = new RolloutJournal(Path.Combine(_directory, "new.db"), new FakeTimeProvider());
        journal.CreateRollout("r", new string('d', 64), "plan.yaml", "v2.0.0", [("n1", "worker")]);

        journal.AddEvent("r", "resumed by someone's new wording");
        journal.StartRun("r");

        Assert.Equal(2, journal.Runs("r"));
        Assert.False(journal.CanaryGatePassed("r"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static void WriteVersionOne(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE rollouts(
              id TEXT PRIMARY KEY, plan_digest TEXT NOT NULL, plan_path TEXT NOT NULL, target TEXT NOT NULL,
              state TEXT NOT NULL, phase TEXT NOT NULL, control TEXT NOT NULL, started TEXT NOT NULL,
              updated TEXT NOT NULL, finished TEXT, message TEXT NOT NULL);
            CREATE TABLE events(rollout TEXT NOT NULL, time TEXT NOT NULL, message TEXT NOT NULL);
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO rollouts VALUES('old','d','p','v2','failed','workers','','2026-01-01T00:00:00+00:00','2026-01-01T00:00:00+00:00',NULL,'');
            INSERT INTO events VALUES('old','2026-01-01T00:00:00+00:00','started: 3 node(s) to v2');
            INSERT INTO events VALUES('old','2026-01-01T00:01:00+00:00','canary gate passed');
            INSERT INTO events VALUES('old','2026-01-01T00:02:00+00:00','resumed from state failed, phase workers');
            INSERT INTO events VALUES('old','2026-01-01T00:03:00+00:00','resumed from state failed, phase workers');
            """;
        command.ExecuteNonQuery();
    }
}
