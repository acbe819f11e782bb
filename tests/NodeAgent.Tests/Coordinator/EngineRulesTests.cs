using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Tests.Coordinator;

[Trait("Category", "Coordinator")]
public sealed class EngineRulesTests
{
    [Theory]
    [InlineData("0", 3, 0, false)]
    [InlineData("0", 3, 1, true)]
    [InlineData("1", 3, 1, false)]
    [InlineData("10%", 3, 1, true)]
    [InlineData("50%", 4, 2, false)]
    [InlineData("50%", 4, 3, true)]
    public void AfterBatch_PerBatchThreshold_StopsOnlyWhenExceeded(string perBatch, int batchSize, int failures, bool stops)
    {
        var budget = new FailureBudget(Parse(perBatch), new Amount(100, true), 100);

        var verdict = budget.AfterBatch(batchSize, failures);

        Assert.Equal(stops, verdict is not null);
    }

    [Fact]
    public void AfterBatch_TotalThreshold_CountsAcrossBatches()
    {
        var budget = new FailureBudget(new Amount(5, false), new Amount(2, false), 100);

        Assert.Null(budget.AfterBatch(10, 1));
        Assert.Null(budget.AfterBatch(10, 1));
        Assert.Contains("3 node(s) failed in this rollout", budget.AfterBatch(10, 1), StringComparison.Ordinal);
    }

    [Fact]
    public void OperationIds_SameInputs_SameIdAndAlwaysWithinTheAgentsLimit()
    {
        var longNode = new string('n', 64);

        var short1 = OperationIds.For("r1", "node-1", "kubelet", "apply", 1);
        var long1 = OperationIds.For(new string('r', 64), longNode, "kube-controller-manager", "rollback", 12);
        var long2 = OperationIds.For(new string('r', 64), longNode + "x", "kube-controller-manager", "rollback", 12);

        Assert.Equal("r1:node-1:kubelet:apply:1", short1);
        Assert.True(long1.Length <= 128);
        Assert.Equal(long1, OperationIds.For(new string('r', 64), longNode, "kube-controller-manager", "rollback", 12));
        Assert.NotEqual(long1, long2);
    }

    [Theory]
    [InlineData("v1.10.11", "v1.17.0", -1)]
    [InlineData("1.17.0", "v1.17.0", 0)]
    [InlineData("v1.17.0-rc.1", "v1.17.0", 0)]
    [InlineData("v1.18.0", "v1.17.9", 1)]
    public void VersionSkew_Compare_ByMajorMinorPatch(string left, string right, int sign)
    {
        Assert.Equal(sign, Math.Sign(VersionSkew.Compare(left, right)));
    }

    [Fact]
    public void Batches_PercentOfAllWorkers_KeepTheirSizeWhenFewerArePending()
    {
        var plan = Plan(workers: 10, batch: new Amount(20, true), canaryCount: 1);

        var all = BatchPlanner.WorkerBatches(plan, plan.Inventory.Where(n => n.Role == Roles.Worker));
        var rest = BatchPlanner.WorkerBatches(plan, plan.Inventory.Where(n => n.Role == Roles.Worker).Skip(6));

        Assert.Equal([2, 2, 2, 2, 2], all.Select(b => b.Count));
        Assert.Equal([2, 2], rest.Select(b => b.Count));
    }

    [Fact]
    public void Canaries_ByCount_ControlPlaneFirst()
    {
        var plan = Plan(workers: 3, batch: new Amount(1, false), canaryCount: 2);

        var canaries = BatchPlanner.Canaries(plan);

        Assert.Equal(["cp-1", "cp-2"], canaries.Select(n => n.Name));
    }

    private static Amount Parse(string text) => text.EndsWith('%') ? new Amount(int.Parse(text[..^1], System.Globalization.CultureInfo.InvariantCulture), true) : new Amount(int.Parse(text, System.Globalization.CultureInfo.InvariantCulture), false);

    private static Plan Plan(int workers, Amount batch, int canaryCount)
    {
        var nodes = new List<PlanNode> { new("w-0", Roles.Worker, "127.0.0.1:1"), new("cp-1", Roles.ControlPlane, "127.0.0.1:2"), new("cp-2", Roles.ControlPlane, "127.0.0.1:3") };
        nodes.AddRange(Enumerable.Range(1, workers - 1).Select(i => new PlanNode($"w-{i}", Roles.Worker, $"127.0.0.1:{10 + i}")));
        var policy = new RolloutPolicy([], canaryCount, batch, 10, new Amount(0, false), new Amount(0, false), TimeSpan.Zero, TimeSpan.Zero,
            TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30), 2, true, Phases.All);
        return new Plan("r1", "v1.17.0", [], new Dictionary<string, IReadOnlyList<PlanComponent>>(), nodes, policy, "digest");
    }
}
