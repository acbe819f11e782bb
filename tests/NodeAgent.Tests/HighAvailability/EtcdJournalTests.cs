using NodeAgent.Coordinator;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Journal.Etcd;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.HighAvailability;

/// <summary>The etcd journal keeps what the SQLite one keeps, on a real three-member etcd cluster.</summary>
[Trait("Category", "HighAvailability")]
public sealed class EtcdJournalTests : IAsyncLifetime
{
    private EtcdCluster _etcd = null!;

    public async Task InitializeAsync() => _etcd = await EtcdCluster.StartAsync();

    public async Task DisposeAsync() => await _etcd.DisposeAsync();

    [SkippableFact]
    public async Task EtcdJournal_SameWritesAsSqlite_ReadsBackTheSameRollout()
    {
        using var dir = new TempDir();
        await using var elected = await LeadAsync("r1", "leader");
        using var sqlite = new RolloutJournal(dir.Combine("journal.db"), TimeProvider.System);

        foreach (var journal in new IRolloutJournal[] { elected.Journal, sqlite })
        {
            Exercise(journal);
        }

        Assert.Equal(Shape(sqlite), Shape(elected.Journal));
        Assert.Equal(2, elected.Journal.Runs("r1"));
        Assert.Equal((NodeStates.RolledBack, "v1.10.11"), elected.Journal.Nodes("r1").Select(n => (n.State, n.ToVersion)).First());
    }

    [SkippableFact]
    public async Task CreateRollout_MoreNodesThanOneTransactionTakes_AllKeptInPlanOrder()
    {
        await using var elected = await LeadAsync("big", "leader");
        var nodes = Enumerable.Range(0, 300).Select(i => ($"node-{299 - i:D3}", "worker")).ToList();

        elected.Journal.CreateRollout("big", "digest", "/plan.yaml", "v1.17.0", nodes);

        Assert.Equal(nodes.Select(n => n.Item1), elected.Journal.Nodes("big").Select(n => n.Node));
    }

    [SkippableFact]
    public async Task Campaign_AnotherLeaderRuns_RefusedNamingIt()
    {
        await using var first = await LeadAsync("r1", "coordinator-one");
        using var kv = Connect();

        var refused = await Assert.ThrowsAsync<CoordinatorException>(
            () => EtcdLeadership.CampaignAsync(kv, "r1", "coordinator-two", TimeSpan.FromSeconds(2), wait: false, TimeProvider.System, _ => { }, CancellationToken.None));

        Assert.Contains("led by coordinator-one", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--standby", refused.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Standby_LeaderResigns_TakesOverWithAHigherFencingNumber()
    {
        var first = await LeadAsync("r1", "coordinator-one");
        var firstOwner = first.Journal.NextClaimOwner("r1", "one");
        using var kv = Connect();
        var said = new List<string>();
        var standby = EtcdLeadership.CampaignAsync(kv, "r1", "coordinator-two", TimeSpan.FromSeconds(2), wait: true, TimeProvider.System, line => { lock (said) { said.Add(line); } }, CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(Said(said, "standby for rollout r1")), TimeSpan.FromSeconds(30), "the standby to register");
        Assert.False(standby.IsCompleted);

        await first.DisposeAsync();
        await using var second = await standby;
        var secondOwner = new EtcdRolloutJournal(kv, TimeProvider.System, second).NextClaimOwner("r1", "two");

        Assert.True(secondOwner.Fencing > firstOwner.Fencing, $"fencing {secondOwner.Fencing} after {firstOwner.Fencing}");
        Assert.Equal(firstOwner.JournalId, secondOwner.JournalId);
    }

    [SkippableFact]
    public async Task ReplacedLeader_FencedWrite_ThrowsLeadershipLostAndWritesNothing()
    {
        await using var old = await LeadAsync("r1", "old");
        old.Journal.CreateRollout("r1", "digest", "/plan.yaml", "v1.17.0", [("node-a", "worker")]);
        var lease = old.Leadership.Lease;

        // The old leader's lease is revoked behind its back (as when it was frozen past its TTL) and another leads.
        var revoke = await Cluster.EtcdServer.EtcdctlAsync("--endpoints", string.Join(',', _etcd.Endpoints), "lease", "revoke", lease.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(revoke.Succeeded, revoke.Error);
        await using var next = await LeadAsync("r1", "new");

        var lost = Assert.Throws<LeadershipLostException>(() => old.Journal.StartNode("r1", "node-a"));

        Assert.Contains("no longer the leader", lost.Message, StringComparison.Ordinal);
        Assert.Equal(NodeStates.Pending, next.Journal.Nodes("r1").Single().State);
        Assert.True(next.Leadership.Revision > old.Leadership.Revision);
    }

    [SkippableFact]
    public async Task Leader_EtcdRevokesItsLease_LostFiresByItself()
    {
        await using var leader = await LeadAsync("r1", "leader", ttlSeconds: 3);
        var revoke = await Cluster.EtcdServer.EtcdctlAsync("--endpoints", string.Join(',', _etcd.Endpoints), "lease", "revoke", leader.Leadership.Lease.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(revoke.Succeeded, revoke.Error);

        await Eventually.TrueAsync(() => Task.FromResult(leader.Leadership.Lost.IsCancellationRequested), TimeSpan.FromSeconds(30), "the keep-alive to find the lease gone");

        Assert.Throws<LeadershipLostException>(() => leader.Journal.AddEvent("r1", "after the loss"));
    }

    [SkippableFact]
    public async Task OneMemberKilled_LeaderWritesGoOn()
    {
        await using var leader = await LeadAsync("r1", "leader");
        leader.Journal.CreateRollout("r1", "digest", "/plan.yaml", "v1.17.0", [("node-a", "worker")]);

        _etcd.Kill(0);
        var attempt = leader.Journal.StartNode("r1", "node-a");

        Assert.Equal(1, attempt);
        Assert.Equal(NodeStates.InFlight, leader.Journal.Nodes("r1").Single().State);
    }

    [SkippableFact]
    public async Task TwoMembersKilled_LeaderWritePausesAndGoesOnWhenQuorumReturns()
    {
        var said = new List<string>();
        await using var leader = await LeadAsync("r1", "leader", say: line => { lock (said) { said.Add(line); } });
        leader.Journal.CreateRollout("r1", "digest", "/plan.yaml", "v1.17.0", [("node-a", "worker")]);

        _etcd.Kill(1);
        _etcd.Kill(2);
        var write = Task.Run(() => leader.Journal.StartNode("r1", "node-a"));
        await Eventually.TrueAsync(() => Task.FromResult(Said(said, "paused until it has a quorum again")), TimeSpan.FromSeconds(60), "the leader to say it paused");
        Assert.False(write.IsCompleted, "a write completed without a quorum");

        await Task.WhenAll(_etcd.RestartAsync(1), _etcd.RestartAsync(2));
        Assert.Equal(1, await write.WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal(NodeStates.InFlight, leader.Journal.Nodes("r1").Single().State);
        Assert.True(Said(said, "answers again"));
    }

    private static bool Said(List<string> said, string text)
    {
        lock (said)
        {
            return said.Any(l => l.Contains(text, StringComparison.Ordinal));
        }
    }

    private static void Exercise(IRolloutJournal journal)
    {
        journal.CreateRollout("r1", "digest", "/plan.yaml", "v1.17.0", [("node-b", "control-plane"), ("node-a", "worker")]);
        journal.AddEvent("r1", "started: 2 node(s) to v1.17.0");
        journal.SetPhase("r1", "canary");
        journal.StartNode("r1", "node-b");
        journal.FinishNode("r1", "node-b", NodeStates.Succeeded, "v1.10.11", "v1.17.0", "", 0);
        journal.StartNode("r1", "node-a");
        journal.NoteNode("r1", "node-a", "waiting for its kubelet");
        journal.SetFact("r1", "", "silence", "abc");
        journal.SetFact("r1", "node-a", "containers", "3 running");
        Assert.True(journal.RequestControl("r1", "pause"));
        Assert.False(journal.RequestControl("nope", "pause"));
        journal.AddEvent("r1", "resumed from state paused, phase canary");
        journal.StartRun("r1");
        journal.PassCanaryGate("r1");
        journal.MarkNode("r1", "node-b", NodeStates.RolledBack, "the canary gate failed");
        journal.SetState("r1", RolloutStates.Failed, "the canary gate failed");
    }

    private static string Shape(IRolloutJournal journal)
    {
        var r = journal.Find("r1")!;
        var nodes = journal.Nodes("r1").Select(n => $"{n.Node} {n.Role} {n.State} {n.Attempt} {n.FromVersion}>{n.ToVersion} {n.Reason} {n.Restarts} {n.StartedAt is not null} {n.FinishedAt is not null}");
        var facts = journal.Facts("r1").Select(f => $"{f.Scope}/{f.Key}={f.Value}");
        var events = journal.Events("r1").Select(e => DumpedEvent.Parse(e).Message);
        return string.Join('\n', [$"{r.Id} {r.State} {r.Phase} {r.Control} {r.Message} {r.FinishedAt is not null} runs {journal.Runs("r1")} canary {journal.CanaryGatePassed("r1")}", .. nodes, .. facts, .. events, journal.Fact("r1", "node-a", "containers") ?? "-", journal.Control("r1")]);
    }

    private EtcdKv Connect(Action<string>? say = null) => EtcdKv.Connect(_etcd.Location(), null, TimeProvider.System, patient: true, say ?? (_ => { }));

    private async Task<Elected> LeadAsync(string rollout, string holder, int ttlSeconds = 5, Action<string>? say = null)
    {
        var kv = Connect(say);
        var leadership = await EtcdLeadership.CampaignAsync(kv, rollout, holder, TimeSpan.FromSeconds(ttlSeconds), wait: false, TimeProvider.System, say ?? (_ => { }), CancellationToken.None);
        return new Elected(new EtcdRolloutJournal(kv, TimeProvider.System, leadership), leadership);
    }

    /// <summary>A leader and its journal; disposing resigns, then closes the connection.</summary>
    private sealed record Elected(EtcdRolloutJournal Journal, EtcdLeadership Leadership) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Leadership.DisposeAsync();
            Journal.Dispose();
        }
    }
}
