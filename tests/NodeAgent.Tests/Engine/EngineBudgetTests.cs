using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Tests.Engine;

[Trait("Category", "EngineRules")]
public sealed class EngineBudgetTests
{
    [Fact]
    public async Task RunAsync_CanaryApplyFails_NoOtherNodeTouched()
    {
        using var h = new EngineHarness(2, 3);
        h.Agents["cp-1"].FailApply.Add("kubelet");

        var result = await h.RunAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("canary failed", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Equal(["cp-1"], h.AppliedOrder());
    }

    [Fact]
    public async Task RunAsync_CanaryApplyFails_ChangedComponentsRolledBack()
    {
        using var h = new EngineHarness(1, 1);
        h.Agents["cp-1"].FailApply.Add("kubelet");

        await h.RunAsync();

        Assert.Equal(["kube-apiserver"], h.Agents.Of("rollback").Select(r => r.Component));
        Assert.Equal(NodeStates.RolledBack, h.StateOf("cp-1"));
        Assert.Equal(EngineHarness.From, h.Agents["cp-1"].Versions["kube-apiserver"]);
    }

    [Fact]
    public async Task RunAsync_RollbackOnFailureOff_NoRollbackCall()
    {
        using var h = new EngineHarness(1, 1, p => p with { RollbackOnFailure = false });
        h.Agents["cp-1"].FailApply.Add("kubelet");

        await h.RunAsync();

        Assert.Empty(h.Agents.Of("rollback"));
        Assert.Equal(NodeStates.Failed, h.StateOf("cp-1"));
    }

    [Fact]
    public async Task RunAsync_CanaryGateFailsAfterSoak_CanaryRolledBackNoOtherNode()
    {
        using var h = new EngineHarness(1, 3);
        h.Agents["cp-1"].UnhealthyFrom = h.Time.GetUtcNow() + TimeSpan.FromMinutes(2);

        var result = await h.RunAsync();

        Assert.Contains("canary gate failed", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Equal(["cp-1"], h.AppliedOrder());
        Assert.Equal(NodeStates.RolledBack, h.StateOf("cp-1"));
    }

    [Fact]
    public async Task RunAsync_CanaryGatePasses_JournalsThePass()
    {
        using var h = new EngineHarness(1, 1);

        var result = await h.RunAsync();

        Assert.Contains(result.Events, e => e.EndsWith("canary gate passed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_ControlPlaneNodeFails_NoWorkerTouched()
    {
        using var h = new EngineHarness(3, 3);
        h.Agents["cp-2"].FailApply.Add("kube-apiserver");

        var result = await h.RunAsync();

        Assert.Contains("control-plane node cp-2 failed", result.Rollout.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Agents.Of("apply"), a => a.Node.StartsWith("w-", StringComparison.Ordinal) || a.Node == "cp-3");
    }

    [Fact]
    public async Task RunAsync_WorkerFailureOverPerBatchThreshold_StopsBeforeNextBatch()
    {
        using var h = new EngineHarness(1, 6, p => p with { BatchSize = new Amount(2, false) });
        h.Agents["w-2"].FailApply.Add("kubelet");

        var result = await h.RunAsync();

        Assert.Contains("stopped after batch 1 of 3", result.Rollout.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Agents.Of("apply"), a => a.Node is "w-3" or "w-4" or "w-5" or "w-6");
    }

    [Fact]
    public async Task RunAsync_WorkerFailureWithinBudget_GoesOnAndFailsAtTheEnd()
    {
        using var h = new EngineHarness(1, 6, p => p with { FailuresPerBatch = new Amount(1, false), FailuresTotal = new Amount(1, false), Phases = [.. p.Phases.Where(x => x != Phases.Verify)] });
        h.Agents["w-2"].FailApply.Add("kubelet");

        var result = await h.RunAsync();

        Assert.Contains("1 node(s) failed within the failure budget", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Equal(NodeStates.Succeeded, h.StateOf("w-6"));
    }

    [Fact]
    public async Task RunAsync_TotalThresholdExceeded_StopsAcrossBatches()
    {
        using var h = new EngineHarness(1, 6, p => p with { FailuresPerBatch = new Amount(1, false), FailuresTotal = new Amount(1, false) });
        h.Agents["w-2"].FailApply.Add("kubelet");
        h.Agents["w-4"].FailApply.Add("kubelet");

        var result = await h.RunAsync();

        Assert.Contains("policy.failureThreshold.total", result.Rollout.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Agents.Of("apply"), a => a.Node is "w-5" or "w-6");
    }

    [Fact]
    public async Task RunAsync_WorkerUnreachableMidApply_NodeStaysInFlight()
    {
        using var h = new EngineHarness(1, 2, p => p with { FailuresPerBatch = new Amount(1, false), FailuresTotal = new Amount(1, false) });
        h.Agents["w-1"].LoseApplyAnswer = true;

        var result = await h.RunAsync();

        Assert.False(result.Succeeded);
        Assert.Equal(NodeStates.InFlight, h.StateOf("w-1"));
        Assert.Empty(h.Agents.Of("rollback"));
    }

    [Fact]
    public async Task RunAsync_FinalVerificationFails_NodeMarkedFailedNotRolledBack()
    {
        using var h = new EngineHarness(1, 2, p => p with { SoakAfterCanary = TimeSpan.Zero, BatchSize = new Amount(1, false) });
        h.Agents.OnApply = node =>
        {
            if (node == "w-2")
            {
                h.Agents["w-1"].UnhealthyFrom = h.Time.GetUtcNow();
            }
        };

        var result = await h.RunAsync();

        Assert.Contains("verification failed on 1 node(s)", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Equal(NodeStates.Failed, h.StateOf("w-1"));
        Assert.DoesNotContain(h.Agents.Of("rollback"), r => r.Node == "w-1");
    }
}
