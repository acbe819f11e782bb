using NodeAgent.Coordinator.Journal;

namespace NodeAgent.Tests.Engine;

[Trait("Category", "EngineRules")]
public sealed class EngineHookTests
{
    [Fact]
    public async Task RunAsync_Succeeds_BeforeWindowFirstAfterNodesLastNoStop()
    {
        using var h = new EngineHarness(1, 2);
        var hook = new RecordingHook("controllers", h.Time);
        h.Hooks.Add(hook);

        await h.RunAsync();

        var applies = h.Agents.Of("apply");
        Assert.True(hook.Steps.Single(s => s.Step == "before-window").At <= applies.Min(a => a.At));
        Assert.True(hook.Steps.Single(s => s.Step == "after-nodes").At >= applies.Max(a => a.At));
        Assert.DoesNotContain(hook.Steps, s => s.Step == "on-stop");
    }

    [Fact]
    public async Task RunAsync_ControlPlaneNodes_AfterControlPlaneNodeOncePerNode()
    {
        using var h = new EngineHarness(3, 2);
        var hook = new RecordingHook("controllers", h.Time);
        h.Hooks.Add(hook);

        await h.RunAsync();

        Assert.Equal(3, hook.Steps.Count(s => s.Step == "after-control-plane-node"));
    }

    [Fact]
    public async Task RunAsync_BeforeWindowFails_NoApplyAndStopRuns()
    {
        using var h = new EngineHarness(1, 2);
        var hook = new RecordingHook("silence", h.Time) { FailStep = "before-window" };
        h.Hooks.Add(hook);

        var result = await h.RunAsync();

        Assert.Contains("silence (before the window)", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Empty(h.Agents.Of("apply"));
        Assert.Contains(hook.Steps, s => s.Step == "on-stop");
    }

    [Fact]
    public async Task RunAsync_RolloutFails_HooksUndoneLastRegisteredFirst()
    {
        using var h = new EngineHarness(1, 2);
        h.Agents["cp-1"].FailApply.Add("kubelet");
        var first = new RecordingHook("silence", h.Time);
        var second = new RecordingHook("controllers", h.Time);
        h.Hooks.AddRange([first, second]);

        await h.RunAsync();

        var firstStop = first.Steps.Single(s => s.Step == "on-stop").At;
        var secondStop = second.Steps.Single(s => s.Step == "on-stop").At;
        Assert.True(secondStop <= firstStop);
        Assert.Equal(h.Plan.Inventory.Select(n => n.Name).Order(), first.StoppedOn!.Order());
    }

    [Fact]
    public async Task RunAsync_NodeOutcomeUnknown_HooksLeftAsTheyAre()
    {
        using var h = new EngineHarness(1, 1);
        h.Agents["w-1"].LoseApplyAnswer = true;
        var hook = new RecordingHook("controllers", h.Time);
        h.Hooks.Add(hook);
        h.Agents.OnApply = node =>
        {
            if (node == "w-1")
            {
                h.Agents["w-1"].StuckOperations.Add("r1:w-1:kubelet:apply:1");
            }
        };

        var result = await h.RunAsync();

        Assert.DoesNotContain(hook.Steps, s => s.Step == "on-stop");
        Assert.Contains(result.Events, e => e.Contains("cluster steps left as they are", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_AfterControlPlaneNodeFails_NoWorkerTouched()
    {
        using var h = new EngineHarness(2, 2);
        var hook = new RecordingHook("controllers", h.Time) { FailStep = "after-control-plane-node" };
        h.Hooks.Add(hook);

        var result = await h.RunAsync();

        Assert.Equal(RolloutStates.Failed, result.Rollout.State);
        Assert.DoesNotContain(h.Agents.Of("apply"), a => a.Node.StartsWith("w-", StringComparison.Ordinal));
    }
}
