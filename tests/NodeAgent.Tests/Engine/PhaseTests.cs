using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Engine.Procedure;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;

namespace NodeAgent.Tests.Engine;

/// <summary>Phase classes alone, outside the engine: what each does with the nodes it is given.</summary>
[Trait("Category", "EngineRules")]
public sealed class PhaseTests
{
    [Fact]
    public async Task CanaryPhase_TwoControlPlaneAndTwoWorkerCanaries_EachControlPlaneAloneThenWorkersTogetherThenGatePassed()
    {
        using var h = new EngineHarness(2, 3, p => p with { CanaryNodes = ["cp-1", "cp-2", "w-1", "w-2"] });
        var canaries = BatchPlanner.Canaries(h.Plan);
        var groups = new List<string>();
        var canary = Canary(h, (nodes, _) =>
        {
            groups.Add(string.Join(",", nodes.Select(n => n.Name)));
            foreach (var node in nodes)
            {
                h.Agents[node.Name].Versions.Keys.ToList().ForEach(c => h.Agents[node.Name].Versions[c] = EngineHarness.Target);
            }

            return Task.FromResult<IReadOnlyList<NodeOutcome>?>(nodes.Select(n => new NodeOutcome(n.Name, NodeStates.Succeeded, EngineHarness.From, EngineHarness.Target, "", 1, TimeSpan.Zero)).ToList());
        });
        h.Journal.CreateRollout(h.Plan.Rollout, h.Plan.Digest, "plan.yaml", EngineHarness.Target, h.Plan.Inventory.Select(n => (n.Name, n.Role)));

        var stop = await h.AdvanceUntilDoneAsync(() => canary.RunAsync(canaries, canaries, CancellationToken.None));

        Assert.Null(stop);
        Assert.Equal(["cp-1", "cp-2", "w-1,w-2"], groups);
        Assert.True(h.Journal.CanaryGatePassed(h.Plan.Rollout));
    }

    [Fact]
    public async Task CanaryPhase_GatePassedInAnEarlierRun_NoNodeUpgraded()
    {
        using var h = new EngineHarness(1, 2);
        var canaries = BatchPlanner.Canaries(h.Plan);
        var upgraded = 0;
        var canary = Canary(h, (nodes, _) =>
        {
            upgraded += nodes.Count;
            return Task.FromResult<IReadOnlyList<NodeOutcome>?>([]);
        });
        h.Journal.CreateRollout(h.Plan.Rollout, h.Plan.Digest, "plan.yaml", EngineHarness.Target, h.Plan.Inventory.Select(n => (n.Name, n.Role)));
        h.Journal.PassCanaryGate(h.Plan.Rollout);

        var stop = await canary.RunAsync(canaries, canaries, CancellationToken.None);

        Assert.Null(stop);
        Assert.Equal(0, upgraded);
    }

    [Fact]
    public async Task BackupPhase_OneNodeFails_FailedWithTheNodeAndNoEtcdStep()
    {
        using var h = new EngineHarness(1, 2);
        h.Agents["w-1"].FailBackup = true;
        h.Journal.CreateRollout(h.Plan.Rollout, h.Plan.Digest, "plan.yaml", EngineHarness.Target, h.Plan.Inventory.Select(n => (n.Name, n.Role)));
        var owner = h.Journal.NextClaimOwner(h.Plan.Rollout, "phase test");
        var backup = new BackupPhase(new NodeBackups(h.Plan, h.Agents, h.Journal, Observer(h), owner), etcd: null);

        var stop = await backup.RunAsync(h.Plan.Inventory, CancellationToken.None);

        Assert.NotNull(stop);
        Assert.Equal(RolloutStates.Failed, stop.State);
        Assert.Contains("backup failed on 1 component(s)", stop.Message, StringComparison.Ordinal);
        Assert.Contains("w-1", stop.Message, StringComparison.Ordinal);
        Assert.Equal(h.Plan.Inventory.Sum(n => h.Plan.ComponentsOf(n).Count), h.Agents.Of("backup").Count);
    }

    private static RolloutProgress Observer(EngineHarness h) => new(h.Time, h.Plan.Inventory.Count);

    private static CanaryPhase Canary(EngineHarness h, NodeBatch upgrade)
    {
        var observer = Observer(h);
        var owner = h.Journal.NextClaimOwner(h.Plan.Rollout, "phase test");
        var verifier = new Verifier(h.Plan, h.Agents, null, _ => null);
        return new CanaryPhase(
            h.Plan,
            h.Journal,
            observer,
            new RolloutControl(h.Plan.Rollout, h.Journal, observer, h.Time),
            new HookSteps([], observer),
            upgrade,
            new NodeUpgrader(h.Plan, h.Agents, h.Journal, observer, h.Time, owner, verifier),
            verifier);
    }
}
