using NodeAgent.Coordinator;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;

namespace NodeAgent.Tests.Engine;

[Trait("Category", "EngineRules")]
public sealed class EngineControlTests
{
    [Fact]
    public async Task RunAsync_AbortDuringCanarySoak_AbortedAndNoOtherNodeTouched()
    {
        using var h = new EngineHarness(1, 3, p => p with { SoakAfterCanary = TimeSpan.FromMinutes(30) });
        h.Agents.OnApply = node => h.Journal.RequestControl("r1", "abort");

        var result = await h.RunAsync();

        Assert.Equal(RolloutStates.Aborted, result.Rollout.State);
        Assert.Contains("canary soak", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Equal(["cp-1"], h.AppliedOrder());
    }

    [Fact]
    public async Task RunAsync_AbortDuringABatch_NodesInFlightFinishNoNewOneStarts()
    {
        using var h = new EngineHarness(1, 6, p => p with { BatchSize = new Amount(2, false), MaxConcurrency = 2, SoakAfterCanary = TimeSpan.Zero });
        h.Agents.OnApply = node =>
        {
            if (node == "w-3")
            {
                h.Journal.RequestControl("r1", "abort");
            }
        };

        var result = await h.RunAsync();

        Assert.Equal(RolloutStates.Aborted, result.Rollout.State);
        Assert.Equal(NodeStates.Succeeded, h.StateOf("w-3"));
        Assert.DoesNotContain(h.Agents.Of("apply"), a => a.Node is "w-5" or "w-6");
    }

    [Fact]
    public async Task RunAsync_PausedThenResumed_NoNodeStartsWhilePaused()
    {
        using var h = new EngineHarness(1, 2, p => p with { BatchSize = new Amount(1, false), SoakAfterCanary = TimeSpan.Zero });
        DateTimeOffset? resumeAt = null;
        h.Agents.OnApply = node =>
        {
            if (node == "w-1")
            {
                h.Journal.RequestControl("r1", "pause");
                resumeAt = h.Time.GetUtcNow() + TimeSpan.FromMinutes(5);
                _ = ResumeAtAsync(h, resumeAt.Value);
            }
        };

        var result = await h.RunAsync();

        Assert.True(result.Succeeded, result.Rollout.Message);
        Assert.True(h.Agents.Of("apply").First(a => a.Node == "w-2").At >= resumeAt, "w-2 started while paused");
    }

    [Fact]
    public async Task RunAsync_AbortWhilePaused_Aborted()
    {
        using var h = new EngineHarness(1, 2, p => p with { BatchSize = new Amount(1, false), SoakAfterCanary = TimeSpan.Zero });
        h.Agents.OnApply = node =>
        {
            if (node == "w-1")
            {
                h.Journal.RequestControl("r1", "pause");
                _ = AbortAtAsync(h, h.Time.GetUtcNow() + TimeSpan.FromMinutes(1));
            }
        };

        var result = await h.RunAsync();

        Assert.Equal(RolloutStates.Aborted, result.Rollout.State);
        Assert.DoesNotContain(h.Agents.Of("apply"), a => a.Node == "w-2");
    }

    [Fact]
    public async Task RunAsync_AbortedRolloutRunAgain_RefusedAndNothingApplied()
    {
        using var h = new EngineHarness(1, 2, p => p with { SoakAfterCanary = TimeSpan.FromMinutes(30) });
        h.Agents.OnApply = node => h.Journal.RequestControl("r1", "abort");
        await h.RunAsync();
        h.Agents.OnApply = null;
        var applies = h.Agents.Of("apply").Count;

        var refused = await Assert.ThrowsAsync<CoordinatorException>(h.RunAsync);

        Assert.Contains("was aborted", refused.Message, StringComparison.Ordinal);
        Assert.Equal(applies, h.Agents.Of("apply").Count);
    }

    [Fact]
    public async Task SoakAsync_AbortRequested_ReturnsFalseBeforeTheSoakEnds()
    {
        using var h = new EngineHarness(1, 0);
        h.Journal.CreateRollout("r1", h.Plan.Digest, "plan.yaml", EngineHarness.Target, []);
        var control = new RolloutControl("r1", h.Journal, new RolloutProgress(h.Time, 1), h.Time);
        h.Journal.RequestControl("r1", "abort");

        Assert.False(await control.SoakAsync(TimeSpan.FromHours(1), CancellationToken.None));
    }

    [Fact]
    public async Task MayStartAsync_NoRequest_TrueAtOnce()
    {
        using var h = new EngineHarness(1, 0);
        h.Journal.CreateRollout("r1", h.Plan.Digest, "plan.yaml", EngineHarness.Target, []);
        var control = new RolloutControl("r1", h.Journal, new RolloutProgress(h.Time, 1), h.Time);

        Assert.True(await control.MayStartAsync(CancellationToken.None));
    }

    private static async Task ResumeAtAsync(EngineHarness h, DateTimeOffset at)
    {
        await h.Time.WaitUntilAsync(at);
        h.Journal.RequestControl("r1", "");
    }

    private static async Task AbortAtAsync(EngineHarness h, DateTimeOffset at)
    {
        await h.Time.WaitUntilAsync(at);
        h.Journal.RequestControl("r1", "abort");
    }
}
