using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Tests.Engine;

[Trait("Category", "EngineRules")]
public sealed class EnginePreflightTests
{
    [Fact]
    public async Task RunAsync_AgentUnreachableInPreflight_NothingTouched()
    {
        using var h = new EngineHarness(1, 3);
        h.Agents["w-2"].Unreachable = true;

        var result = await h.RunAsync();

        Assert.Contains("preflight found", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Empty(h.Agents.Of("apply"));
        Assert.Empty(h.Agents.Of("backup"));
    }

    [Fact]
    public async Task RunAsync_ArtifactsNotStaged_NothingTouched()
    {
        using var h = new EngineHarness(1, 1);
        h.Agents["w-1"].Staged = false;

        var result = await h.RunAsync();

        Assert.Contains("not staged", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Empty(h.Agents.Of("apply"));
    }

    [Fact]
    public async Task RunAsync_ComponentBusy_NothingTouched()
    {
        using var h = new EngineHarness(1, 1);
        h.Agents["w-1"].BusyOperationId = "someone-else:1";

        var result = await h.RunAsync();

        Assert.Contains("busy with operation someone-else:1", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Empty(h.Agents.Of("apply"));
    }

    [Fact]
    public async Task RunAsync_ClaimRefused_NothingTouched()
    {
        using var h = new EngineHarness(1, 2);
        h.Agents["w-2"].RefuseClaim = true;

        var result = await h.RunAsync();

        Assert.Contains("could not claim node w-2", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Empty(h.Agents.Of("apply"));
    }

    [Fact]
    public async Task RunAsync_BackupFails_NoNodeUpgraded()
    {
        using var h = new EngineHarness(1, 2);
        h.Agents["w-1"].FailBackup = true;

        var result = await h.RunAsync();

        Assert.Contains("backup failed", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Empty(h.Agents.Of("apply"));
    }

    [Fact]
    public async Task RunAsync_ComponentAlreadyAtTarget_NotBackedUp()
    {
        using var h = new EngineHarness(1, 2);
        h.Agents["cp-1"].Versions["kube-apiserver"] = EngineHarness.Target;

        await h.RunAsync();

        Assert.DoesNotContain(h.Agents.Of("backup"), b => b.Node == "cp-1" && b.Component == "kube-apiserver");
        Assert.Contains("not backed up", h.Journal.Fact("r1", "cp-1", "backup kube-apiserver"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_OperationOfThisRolloutStillRunning_NothingStarted()
    {
        using var h = new EngineHarness(1, 1);
        h.Agents["w-1"].StuckOperations.Add("r1:w-1:kubelet:apply:1");

        var result = await h.RunAsync();

        Assert.Contains("still running", result.Rollout.Message, StringComparison.Ordinal);
        Assert.Empty(h.Agents.Of("apply"));
    }

    [Fact]
    public async Task RunAsync_OtherRolloutsOperationRunning_NotFollowed()
    {
        using var h = new EngineHarness(1, 1);
        h.Agents["w-1"].StuckOperations.Add("other:w-1:kubelet:apply:1");

        await h.RunAsync();

        Assert.DoesNotContain(h.Agents.Of("follow"), f => f.OperationId.StartsWith("other:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_PreflightOff_UnstagedNodeStillTried()
    {
        using var h = new EngineHarness(1, 1, p => p with { Phases = [.. p.Phases.Where(x => x != Phases.Preflight)] });
        h.Agents["w-1"].Staged = false;

        var result = await h.RunAsync();

        Assert.True(result.Succeeded, result.Rollout.Message);
        Assert.Equal(NodeStates.Succeeded, h.StateOf("w-1"));
    }
}
