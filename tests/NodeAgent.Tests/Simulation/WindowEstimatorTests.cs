using Microsoft.Extensions.Time.Testing;
using NodeAgent.Coordinator;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Simulation;

[Trait("Category", "Simulation")]
public sealed class WindowEstimatorTests
{
    [Fact]
    public void Estimate_FromTheLastRolloutInTheJournal_SlowNodeTimeOfEachRole()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));
        using var journal = new RolloutJournal(dir.Combine("journal.db"), time);
        journal.CreateRollout("last", "d", "plan.yaml", "v1.17.0", [("w-1", Roles.Worker), ("w-2", Roles.Worker)]);
        foreach (var (node, seconds) in new[] { ("w-1", 4), ("w-2", 10) })
        {
            journal.StartNode("last", node);
            time.Advance(TimeSpan.FromSeconds(seconds));
            journal.FinishNode("last", node, NodeStates.Succeeded, "v1.10.11", "v1.17.0", "", 2);
        }

        var estimate = WindowEstimator.Estimate(Plan(workers: 4), new Dictionary<string, TimeSpan>(), journal);

        Assert.Equal(TimeSpan.FromSeconds(10), Assert.Single(estimate.Roles).PerNode);
        Assert.Equal(TimeSpan.FromSeconds(10 + 30 + 10 + 10 + 10), estimate.Path.Total);
    }

    [Fact]
    public void Estimate_GivenComponentTimes_SumOfTheRolesComponents()
    {
        var estimate = WindowEstimator.Estimate(Plan(workers: 3), new Dictionary<string, TimeSpan> { ["kubelet"] = TimeSpan.FromSeconds(5), ["kube-proxy"] = TimeSpan.FromSeconds(2) }, null);

        Assert.Equal(TimeSpan.FromSeconds(7), Assert.Single(estimate.Roles).PerNode);
        Assert.Equal(TimeSpan.FromSeconds(7 + 30 + 7 + 7), estimate.Path.Total);
    }

    [Fact]
    public void Estimate_NoTimeAnywhere_SaysWhichFlagToGive()
    {
        var error = Assert.Throws<CoordinatorException>(() => WindowEstimator.Estimate(Plan(workers: 2), new Dictionary<string, TimeSpan>(), null));

        Assert.Contains("--component-time kubelet=5s --component-time kube-proxy=5s", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Workers only: one canary, a 30 s soak, batches of one node.</summary>
    private static Plan Plan(int workers)
    {
        var nodes = Enumerable.Range(1, workers).Select(i => new PlanNode($"w-{i}", Roles.Worker, $"127.0.0.1:{1000 + i}")).ToList();
        var components = new Dictionary<string, IReadOnlyList<PlanComponent>>
        {
            [Roles.Worker] = [new PlanComponent("kubelet", new Dictionary<string, string>(), true), new PlanComponent("kube-proxy", new Dictionary<string, string>(), false)],
        };
        var policy = new RolloutPolicy([], 1, new Amount(1, false), 10, new Amount(0, false), new Amount(0, false), TimeSpan.FromSeconds(30), TimeSpan.Zero,
            TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30), 2, true, Phases.All);
        return new Plan("r1", "v1.17.0", [], components, nodes, policy, "digest");
    }
}
