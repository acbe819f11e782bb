using NodeAgent.Coordinator.Distribution;

namespace NodeAgent.Tests.Distribution;

/// <summary>The scheduler's rules, without agents: slots, zones, no cycles, liars, and the model built on it.</summary>
[Trait("Category", "Distribution")]
public sealed class DistributionSchedulerTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public void Assign_ThousandNodesAtOnce_OneOriginStreamBoundedFanOutLogarithmicDepth()
    {
        var names = Enumerable.Range(0, 1000).Select(i => $"n{i}").ToList();
        var scheduler = new DistributionScheduler(names.Select(n => (n, "")), DistributionLimits.Default);

        var picks = names.ToDictionary(n => n, n => scheduler.Assign(n));

        Assert.All(picks.Values, p => Assert.NotNull(p));
        Assert.Equal(1, scheduler.OriginAssignments);
        Assert.All(picks.Values.Where(p => !p!.IsOrigin).GroupBy(p => p!.Holder), g => Assert.True(g.Count() <= 2));
        var depth = names.Max(n => Depth(picks, n));
        Assert.True(depth <= 11, $"depth {depth} for 1000 nodes at 2 peers per holder");
    }

    [Fact]
    public void Assign_ZonesGiven_PeersOfTheSameZonePreferred()
    {
        var nodes = new[] { ("a0", "a"), ("b0", "b"), ("a1", "a"), ("b1", "b") };
        var scheduler = new DistributionScheduler(nodes, DistributionLimits.Default);
        scheduler.Holds("a0");
        scheduler.Holds("b0");

        Assert.Equal("a0", scheduler.Assign("a1")!.Holder);
        Assert.Equal("b0", scheduler.Assign("b1")!.Holder);
    }

    [Fact]
    public void SourceFailed_ParentRepicks_NeverFromItsOwnDescendants()
    {
        var scheduler = new DistributionScheduler(Unzoned("p", "c", "d"), new DistributionLimits(PeersPerHolder: 1, OriginStreams: 1));
        Assert.True(scheduler.Assign("p")!.IsOrigin);
        Assert.Equal("p", scheduler.Assign("c")!.Holder);
        Assert.Equal("c", scheduler.Assign("d")!.Holder);

        scheduler.SourceFailed("p", lied: true);

        Assert.Null(scheduler.Assign("p"));
        Assert.True(scheduler.CanRetry("p"));
        scheduler.Succeeded("c");
        Assert.Equal("d", scheduler.Assign("p")!.Holder);
    }

    [Fact]
    public void SourceFailed_Lied_EveryNodeAvoidsTheLiar()
    {
        var scheduler = new DistributionScheduler(Unzoned("h1", "h2", "x", "y"), DistributionLimits.Default);
        scheduler.Holds("h1");
        scheduler.Holds("h2");
        Assert.Equal("h1", scheduler.Assign("x")!.Holder);

        scheduler.SourceFailed("x", lied: true);

        Assert.Equal(["h1"], scheduler.Liars);
        Assert.Equal("h2", scheduler.Assign("y")!.Holder);
        Assert.Equal("h2", scheduler.Assign("x")!.Holder);
    }

    [Fact]
    public void Model_ThousandNodesAtOneGigabit_TransferUnderFiveSecondsOriginOneCopy()
    {
        const double gigabit = 125_000_000;
        var result = DistributionModel.Run(new ModelInput(1000, 150L * 1000 * 1000, MiB, gigabit, gigabit, gigabit, 0.001, DistributionLimits.Default));

        Assert.True(result.WallSeconds < 5, $"the model predicts {result.WallSeconds:F2} s");
        Assert.True(result.OriginEgressRatio <= 3);
        Assert.True(result.MaxDepth <= 11);
    }

    private static IEnumerable<(string, string)> Unzoned(params string[] names) => names.Select(n => (n, ""));

    private static int Depth(Dictionary<string, SourcePick?> picks, string node) =>
        picks[node]!.Holder is { } holder ? 1 + Depth(picks, holder) : 1;
}
