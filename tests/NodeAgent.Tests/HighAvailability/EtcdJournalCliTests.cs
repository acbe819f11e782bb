using NodeAgent.Coordinator.Cli;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Journal.Etcd;
using NodeAgent.Tests.Coordinator;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.HighAvailability;

/// <summary>The command line of the etcd journal: what it refuses, and moving a rollout between SQLite and etcd.</summary>
[Trait("Category", "HighAvailability")]
public sealed class EtcdJournalCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("etcd://127.0.0.1:2379", "name a key prefix")]
    [InlineData("etcd://127.0.0.1:2379/", "name a key prefix")]
    [InlineData("etcd://127.0.0.1/nodeagent", "is not HOST:PORT")]
    [InlineData("etcd://127.0.0.1:99999/nodeagent", "is not HOST:PORT")]
    [InlineData("etcd://127.0.0.1:2379/../etc", "may hold only letters")]
    [InlineData("etcd://127.0.0.1:2379/a b", "may hold only letters")]
    [InlineData("etcd://,/nodeagent", "is not HOST:PORT")]
    public async Task Status_BadEtcdJournal_RefusedWithTheReason(string journal, string reason)
    {
        var result = await FleetFixture.CoordinatorOnAsync(journal, "status");

        Assert.Equal(ExitCodes.InvalidPlan, result.ExitCode);
        Assert.Contains(reason, result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollout_StandbyOnSqlite_RefusedBeforeAnythingIsWritten()
    {
        var plan = _dir.Combine("plan.yaml");
        File.WriteAllText(plan, "rollout: r1\n");
        var journal = _dir.Combine("journal.db");

        var result = await FleetFixture.CoordinatorOnAsync(journal, "rollout", plan, "--standby");

        Assert.NotEqual(ExitCodes.Ok, result.ExitCode);
        Assert.False(File.Exists(journal), "a refused rollout created the journal");
    }

    [Fact]
    public async Task Rollout_EtcdCertWithoutKey_Refused()
    {
        var result = await FleetFixture.CoordinatorOnAsync("etcd://127.0.0.1:2379/nodeagent", "status", "--etcd-cacert", _dir.Combine("ca.pem"), "--etcd-cert", _dir.Combine("cert.pem"));

        Assert.Equal(ExitCodes.InvalidPlan, result.ExitCode);
        Assert.Contains("--etcd-cert and --etcd-key go together", result.Err, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task JournalExportImport_SqliteToEtcdAndBack_SameRolloutEverywhere()
    {
        await using var etcd = await EtcdCluster.StartAsync();
        var sqlite = _dir.Combine("journal.db");
        using (var journal = new RolloutJournal(sqlite, TimeProvider.System))
        {
            journal.CreateRollout("r1", "digest", "/plan.yaml", "v1.17.0", [("node-b", "control-plane"), ("node-a", "worker")]);
            journal.AddEvent("r1", "started: 2 node(s) to v1.17.0");
            journal.StartNode("r1", "node-b");
            journal.FinishNode("r1", "node-b", NodeStates.Succeeded, "v1.10.11", "v1.17.0", "", 0);
            journal.SetFact("r1", "", "silence", "abc");
        }

        var file = _dir.Combine("r1.json");
        Assert.Equal(ExitCodes.Ok, (await FleetFixture.CoordinatorOnAsync(sqlite, "journal", "export", "r1", "-f", file)).ExitCode);
        var imported = await FleetFixture.CoordinatorOnAsync(etcd.Journal(), "journal", "import", file);
        Assert.True(imported.ExitCode == ExitCodes.Ok, imported.Err);
        var again = await FleetFixture.CoordinatorOnAsync(etcd.Journal(), "journal", "import", file);
        var back = _dir.Combine("back.json");
        Assert.Equal(ExitCodes.Ok, (await FleetFixture.CoordinatorOnAsync(etcd.Journal(), "journal", "export", "r1", "-f", back)).ExitCode);
        var status = await FleetFixture.CoordinatorOnAsync(etcd.Journal(), "status", "r1");

        Assert.Equal(ExitCodes.Refused, again.ExitCode);
        Assert.Contains("already holds a rollout r1", again.Err, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(file), File.ReadAllText(back));
        Assert.Contains("leader: none", status.Out, StringComparison.Ordinal);
        Assert.Contains("node-b", status.Out, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Status_EtcdJournalWithLeaderAndStandby_ShowsBoth()
    {
        await using var etcd = await EtcdCluster.StartAsync();
        using var kv = EtcdKv.Connect(etcd.Location(), null, TimeProvider.System, patient: true, _ => { });
        await using var leader = await EtcdLeadership.CampaignAsync(kv, "r1", "coordinator-one", TimeSpan.FromSeconds(10), wait: false, TimeProvider.System, _ => { }, CancellationToken.None);
        new EtcdRolloutJournal(kv, TimeProvider.System, leader).CreateRollout("r1", "digest", "/plan.yaml", "v1.17.0", [("node-a", "worker")]);
        using var standbyKv = EtcdKv.Connect(etcd.Location(), null, TimeProvider.System, patient: true, _ => { });
        using var stop = new CancellationTokenSource();
        var standby = EtcdLeadership.CampaignAsync(standbyKv, "r1", "coordinator-two", TimeSpan.FromSeconds(10), wait: true, TimeProvider.System, _ => { }, stop.Token);

        CliResult status = null!;
        await Eventually.TrueAsync(
            async () => (status = await FleetFixture.CoordinatorOnAsync(etcd.Journal(), "status", "r1")).Out.Contains("standby: coordinator-two", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            "status to show the standby");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => standby);

        Assert.Contains("leader: coordinator-one (fencing number", status.Out, StringComparison.Ordinal);
        Assert.Contains("running", status.Out, StringComparison.Ordinal);
    }
}
