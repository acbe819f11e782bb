using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Tests.Engine;

[Trait("Category", "EngineRules")]
public sealed class EngineOrderTests
{
    [Fact]
    public async Task RunAsync_AllHealthy_SucceedsWithEveryNodeAtTarget()
    {
        using var h = new EngineHarness(3, 6);

        var result = await h.RunAsync();

        Assert.True(result.Succeeded, result.Rollout.Message);
        Assert.All(result.Nodes, n => Assert.Equal(NodeStates.Succeeded, n.State));
        Assert.All(h.Plan.Inventory, n => Assert.All(h.Agents[n.Name].Versions.Values, v => Assert.Equal(EngineHarness.Target, v)));
    }

    [Fact]
    public async Task RunAsync_DefaultCanary_TheFirstControlPlaneNodeGoesFirst()
    {
        using var h = new EngineHarness(2, 4);

        await h.RunAsync();

        Assert.Equal("cp-1", h.AppliedOrder()[0]);
    }

    [Fact]
    public async Task RunAsync_NamedCanary_ThatNodeGoesFirst()
    {
        using var h = new EngineHarness(3, 2, p => p with { CanaryNodes = ["cp-2"] });

        await h.RunAsync();

        Assert.Equal("cp-2", h.AppliedOrder()[0]);
    }

    [Fact]
    public async Task RunAsync_WorkerCanaryAheadOfTheControlPlane_PreflightRefuses()
    {
        using var h = new EngineHarness(1, 4, p => p with { CanaryNodes = ["w-3"] });

        var result = await h.RunAsync();

        Assert.Contains("newer than the API server", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Empty(h.Agents.Of("apply"));
    }

    [Fact]
    public async Task RunAsync_ControlPlane_EveryControlPlaneNodeBeforeAnyWorker()
    {
        using var h = new EngineHarness(3, 5);

        await h.RunAsync();

        var order = h.AppliedOrder();
        var lastControlPlane = order.Select((n, i) => (n, i)).Last(x => x.n.StartsWith("cp-", StringComparison.Ordinal)).i;
        var firstWorker = order.Select((n, i) => (n, i)).First(x => x.n.StartsWith("w-", StringComparison.Ordinal)).i;
        Assert.True(lastControlPlane < firstWorker, string.Join(", ", order));
    }

    [Fact]
    public async Task RunAsync_ControlPlane_OneNodeAtATime()
    {
        using var h = new EngineHarness(4, 0, p => p with { MaxConcurrency = 8 });

        await h.RunAsync();

        Assert.Equal(1, h.Agents.MaxConcurrentApplies);
        Assert.Equal(4, h.AppliedOrder().Count);
    }

    [Fact]
    public async Task RunAsync_Workers_BatchesOfTheBatchSize()
    {
        using var h = new EngineHarness(1, 7, p => p with { BatchSize = new Amount(3, false), MaxConcurrency = 10 });

        var result = await h.RunAsync();

        var batches = result.Events.Where(e => e.Contains(" batch ", StringComparison.Ordinal) && e.Contains(" of ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, batches.Count);
        Assert.InRange(h.Agents.MaxConcurrentApplies, 1, 3);
    }

    [Fact]
    public async Task RunAsync_PercentBatchSize_OfAllWorkers()
    {
        using var h = new EngineHarness(1, 10, p => p with { BatchSize = new Amount(50, true), MaxConcurrency = 10 });

        var result = await h.RunAsync();

        Assert.Contains(result.Events, e => e.EndsWith("batch 1 of 2: w-1, w-2, w-3, w-4, w-5", StringComparison.Ordinal));
        Assert.InRange(h.Agents.MaxConcurrentApplies, 1, 5);
    }

    [Fact]
    public async Task RunAsync_MaxConcurrency_BoundsABatch()
    {
        using var h = new EngineHarness(1, 8, p => p with { BatchSize = new Amount(8, false), MaxConcurrency = 2 });

        await h.RunAsync();

        Assert.InRange(h.Agents.MaxConcurrentApplies, 1, 2);
    }

    [Fact]
    public async Task RunAsync_SoakAfterCanary_NextNodeWaitsTheSoak()
    {
        using var h = new EngineHarness(2, 2, p => p with { SoakAfterCanary = TimeSpan.FromMinutes(10) });

        await h.RunAsync();

        var applies = h.Agents.Of("apply");
        var canaryDone = applies.Where(a => a.Node == "cp-1").Max(a => a.At);
        var next = applies.First(a => a.Node != "cp-1").At;
        Assert.True(next - canaryDone >= TimeSpan.FromMinutes(10), $"{next - canaryDone}");
    }

    [Fact]
    public async Task RunAsync_SoakBetweenBatches_NextBatchWaits()
    {
        using var h = new EngineHarness(1, 4, p => p with { SoakBetweenBatches = TimeSpan.FromMinutes(5), SoakAfterCanary = TimeSpan.Zero });

        await h.RunAsync();

        var workers = h.Agents.Of("apply").Where(a => a.Node.StartsWith("w-", StringComparison.Ordinal)).ToList();
        var firstBatchStart = workers.Min(a => a.At);
        var lastStart = workers.Max(a => a.At);
        Assert.True(lastStart - firstBatchStart >= TimeSpan.FromMinutes(5), $"{lastStart - firstBatchStart}");
    }

    [Fact]
    public async Task RunAsync_ControlPlaneNode_ComponentsInPlanOrder()
    {
        using var h = new EngineHarness(1, 0);

        await h.RunAsync();

        Assert.Equal(["kube-apiserver", "kubelet"], h.Agents.Of("apply").Select(a => a.Component));
    }

    [Fact]
    public async Task RunAsync_PhasesWithoutWorkers_WorkersUntouchedAndRolloutFailed()
    {
        using var h = new EngineHarness(1, 2, p => p with { Phases = [.. p.Phases.Where(x => x is not Phases.Workers and not Phases.Verify)] });

        var result = await h.RunAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("not in policy.phases", result.Rollout.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Agents.Of("apply"), a => a.Node.StartsWith("w-", StringComparison.Ordinal));
    }
}
