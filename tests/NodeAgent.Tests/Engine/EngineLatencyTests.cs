using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Tests.Engine;

/// <summary>The engine's ordering rules when every call to the agents takes its own (seeded) time.</summary>
[Trait("Category", "EngineRules")]
public sealed class EngineLatencyTests
{
    private static readonly TimeSpan MaxJitter = TimeSpan.FromSeconds(20);

    [Fact]
    public void NextLatency_SameSeed_SameLatenciesPerNodeWithinTheBound()
    {
        using var a = new EngineHarness(1, 3);
        using var b = new EngineHarness(1, 3);
        a.Agents.SeedLatencies(42, MaxJitter);
        b.Agents.SeedLatencies(42, MaxJitter);

        var first = a.Plan.Inventory.SelectMany(n => Enumerable.Range(0, 5).Select(_ => a.Agents.NextLatency(n.Name))).ToList();
        var second = b.Plan.Inventory.SelectMany(n => Enumerable.Range(0, 5).Select(_ => b.Agents.NextLatency(n.Name))).ToList();

        Assert.Equal(first, second);
        Assert.All(first, l => Assert.InRange(l, TimeSpan.Zero, MaxJitter));
        Assert.True(first.Distinct().Count() > 1, "the latencies vary from call to call");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RunAsync_SeededLatencies_ControlPlaneOneAtATimeInOrderBeforeAnyWorker(int seed)
    {
        using var h = new EngineHarness(3, 4);
        h.Agents.SeedLatencies(seed, MaxJitter);

        var result = await h.RunAsync();

        Assert.True(result.Succeeded, result.Rollout.Message);
        var applies = h.Agents.Of("apply");
        var controlPlane = h.Plan.Inventory.Where(n => n.Role == Roles.ControlPlane).Select(n => n.Name).ToList();
        Assert.Equal(controlPlane, h.AppliedOrder().Take(3));
        for (var i = 1; i < controlPlane.Count; i++)
        {
            var previousLast = applies.Where(a => a.Node == controlPlane[i - 1]).Max(a => a.Sequence);
            Assert.True(applies.Where(a => a.Node == controlPlane[i]).Min(a => a.Sequence) > previousLast, $"{controlPlane[i]} started before {controlPlane[i - 1]} was done");
        }

        var lastControlPlane = applies.Where(a => controlPlane.Contains(a.Node)).Max(a => a.Sequence);
        Assert.All(applies.Where(a => !controlPlane.Contains(a.Node)), a => Assert.True(a.Sequence > lastControlPlane, $"{a.Node} was applied before the control plane was done"));
        Assert.InRange(h.Agents.MaxConcurrentApplies, 1, h.Plan.Policy.MaxConcurrency);
    }

    [Fact]
    public async Task RunAsync_OneSlowWorkerInABatch_NextBatchWaitsForIt()
    {
        using var h = new EngineHarness(1, 4, p => p with { CanaryNodes = ["cp-1"], BatchSize = new Amount(2, false) });
        h.Agents.SeedLatencies(7, TimeSpan.FromSeconds(5));
        h.Agents["w-1"].CallLatency = TimeSpan.FromMinutes(3);

        var result = await h.RunAsync();

        Assert.True(result.Succeeded, result.Rollout.Message);
        var applies = h.Agents.Of("apply");
        var slowStart = applies.Single(a => a.Node == "w-1").At;
        var secondBatch = applies.Where(a => a.Node is "w-3" or "w-4").ToList();
        Assert.NotEmpty(secondBatch);
        Assert.All(secondBatch, a => Assert.True(
            a.At >= slowStart + h.Agents["w-1"].ApplyLatency + h.Agents["w-1"].CallLatency,
            $"{a.Node} was applied at {a.At:T}, before the slow w-1 (applied at {slowStart:T}) was done"));
    }
}
