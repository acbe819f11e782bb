using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Tests.Simulation;

[Trait("Category", "Simulation")]
public sealed class CriticalPathTests
{
    [Fact]
    public void Slots_MoreNodesThanSlots_NextNodeTakesTheFirstFreeSlot()
    {
        TimeSpan[] times = [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)];

        var end = CriticalPath.Slots(times, concurrency: 2);

        Assert.Equal(TimeSpan.FromSeconds(5), end);
    }

    [Fact]
    public void Slots_EqualTimesOverTwoSlots_TakeTwoRounds()
    {
        var end = CriticalPath.Slots(Enumerable.Repeat(TimeSpan.FromSeconds(3), 3), concurrency: 2);

        Assert.Equal(TimeSpan.FromSeconds(6), end);
    }

    [Fact]
    public void Of_CanarySoakAndBatches_SlowestNodeOfEachBatchPlusSoaks()
    {
        var plan = Plan(controlPlane: 0, workers: 11, canary: 1, batch: new Amount(5, false), concurrency: 10);

        var path = CriticalPath.Of(plan, SecondsByIndex);

        Assert.Equal(TimeSpan.FromSeconds(1), path.Canary);
        Assert.Equal(TimeSpan.FromSeconds(30), path.Soak);
        Assert.Equal(2, path.Batches);
        Assert.Equal(TimeSpan.FromSeconds(6 + 11 + 10), path.Workers);
        Assert.Equal(TimeSpan.FromSeconds(58), path.Total);
    }

    [Fact]
    public void Of_ControlPlane_OneNodeAtATimeAfterItsCanary()
    {
        var plan = Plan(controlPlane: 3, workers: 2, canary: 1, batch: new Amount(100, true), concurrency: 10);

        var path = CriticalPath.Of(plan, SecondsByIndex);

        Assert.Equal(TimeSpan.FromSeconds(1), path.Canary);
        Assert.Equal(TimeSpan.FromSeconds(2 + 3), path.ControlPlane);
        Assert.Equal(TimeSpan.FromSeconds(5), path.Workers);
    }

    [Fact]
    public void Of_PercentBatchesLimitedByConcurrency_NodesQueueForSlots()
    {
        var plan = Plan(controlPlane: 0, workers: 10, canary: 0, batch: new Amount(50, true), concurrency: 2, phases: [Phases.Workers]);

        var path = CriticalPath.Of(plan, _ => TimeSpan.FromSeconds(2));

        Assert.Equal(TimeSpan.Zero, path.Canary + path.Soak);
        Assert.Equal(2, path.Batches);
        Assert.Equal(TimeSpan.FromSeconds(6 + 6 + 10), path.Workers);
    }

    /// <summary>Node i of the inventory (1-based) takes i seconds.</summary>
    private static TimeSpan SecondsByIndex(PlanNode node) => TimeSpan.FromSeconds(int.Parse(node.Name.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture));

    private static Plan Plan(int controlPlane, int workers, int canary, Amount batch, int concurrency, IReadOnlyList<string>? phases = null)
    {
        var nodes = Enumerable.Range(1, controlPlane + workers)
            .Select(i => new PlanNode($"n-{i}", i <= controlPlane ? Roles.ControlPlane : Roles.Worker, $"127.0.0.1:{1000 + i}"))
            .ToList();
        var policy = new RolloutPolicy([], canary, batch, concurrency, new Amount(0, false), new Amount(0, false), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10),
            TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30), 2, true, phases ?? Phases.All);
        return new Plan("r1", "v1.17.0", [], new Dictionary<string, IReadOnlyList<PlanComponent>>(), nodes, policy, "digest");
    }
}
