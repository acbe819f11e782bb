using NodeAgent.Coordinator;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Tests.Engine;

[Trait("Category", "EngineRules")]
public sealed class EngineResumeTests
{
    [Fact]
    public async Task RunAsync_AgainAfterSuccess_NothingToDoAndNoAgentCalled()
    {
        using var h = new EngineHarness(1, 2);
        await h.RunAsync();
        var before = h.Agents.Calls.Count;

        var again = await h.RunAsync();

        Assert.True(again.Succeeded);
        Assert.Equal(before, h.Agents.Calls.Count);
    }

    [Fact]
    public async Task RunAsync_AgainAfterFailure_DoneNodesNotAppliedAgain()
    {
        using var h = new EngineHarness(1, 4, p => p with { BatchSize = new Amount(1, false) });
        h.Agents["w-3"].FailApply.Add("kubelet");
        await h.RunAsync();
        h.Agents["w-3"].FailApply.Clear();
        var firstRun = h.Agents.Calls.Count;

        var again = await h.RunAsync();

        Assert.True(again.Succeeded, again.Rollout.Message);
        var resumed = h.Agents.Of("apply").Where(a => a.Sequence >= firstRun).Select(a => a.Node).Distinct().ToList();
        Assert.Equal(["w-3", "w-4"], resumed);
    }

    [Fact]
    public async Task RunAsync_AgainAfterCanaryGatePassed_NotSoakedAgain()
    {
        using var h = new EngineHarness(1, 2, p => p with { SoakAfterCanary = TimeSpan.FromHours(1) });
        h.Agents["w-1"].FailApply.Add("kubelet");
        await h.RunAsync();
        h.Agents["w-1"].FailApply.Clear();
        var started = h.Time.GetUtcNow();

        var again = await h.RunAsync();

        Assert.True(again.Succeeded, again.Rollout.Message);
        Assert.True(h.Time.GetUtcNow() - started < TimeSpan.FromHours(1), $"{h.Time.GetUtcNow() - started}");
    }

    [Fact]
    public async Task RunAsync_RetriedNode_SendsANewAttemptsOperationIds()
    {
        using var h = new EngineHarness(1, 1);
        h.Agents["w-1"].FailApply.Add("kubelet");
        await h.RunAsync();
        h.Agents["w-1"].FailApply.Clear();

        await h.RunAsync();

        var ids = h.Agents.Of("apply").Where(a => a.Node == "w-1").Select(a => a.OperationId).Distinct().ToList();
        Assert.Equal([OperationIds.For("r1", "w-1", "kubelet", "apply", 1), OperationIds.For("r1", "w-1", "kubelet", "apply", 2)], ids);
    }

    [Fact]
    public async Task RunAsync_InFlightNodeResumed_SameOperationIdReSent()
    {
        using var h = new EngineHarness(1, 1);
        h.Agents["w-1"].LoseApplyAnswer = true;
        await h.RunAsync();
        h.Agents["w-1"].LoseApplyAnswer = false;

        var again = await h.RunAsync();

        Assert.True(again.Succeeded, again.Rollout.Message);
        var ids = h.Agents.Of("apply").Where(a => a.Node == "w-1").Select(a => a.OperationId).Distinct().ToList();
        Assert.Single(ids);
    }

    [Fact]
    public async Task RunAsync_SecondRun_BackupOperationIdsCarryTheRunNumber()
    {
        using var h = new EngineHarness(1, 1);
        h.Agents["w-1"].FailBackup = true;
        await h.RunAsync();
        h.Agents["w-1"].FailBackup = false;

        await h.RunAsync();

        var ids = h.Agents.Of("backup").Where(a => a.Node == "w-1").Select(a => a.OperationId).Distinct().ToList();
        Assert.Equal([OperationIds.For("r1", "w-1", "kubelet", "backup", 1), OperationIds.For("r1", "w-1", "kubelet", "backup", 2)], ids);
    }

    [Fact]
    public async Task RunAsync_BackedUpInAnEarlierRun_NotBackedUpAgain()
    {
        using var h = new EngineHarness(1, 2, p => p with { BatchSize = new Amount(1, false) });
        h.Agents["w-2"].FailApply.Add("kubelet");
        await h.RunAsync();
        h.Agents["w-2"].FailApply.Clear();
        var backups = h.Agents.Of("backup").Count;

        await h.RunAsync();

        Assert.Equal(backups, h.Agents.Of("backup").Count);
    }

    [Fact]
    public async Task RunAsync_ChangedPlanUnderTheSameId_Refused()
    {
        using var h = new EngineHarness(1, 1);
        h.Agents["w-1"].FailApply.Add("kubelet");
        await h.RunAsync();
        h.Plan = h.Plan with { Digest = new string('e', 64) };

        var refused = await Assert.ThrowsAsync<CoordinatorException>(h.RunAsync);

        Assert.Contains("different plan", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Resumed_JournalCountsTheRun()
    {
        using var h = new EngineHarness(1, 1);
        h.Agents["w-1"].FailApply.Add("kubelet");
        await h.RunAsync();
        h.Agents["w-1"].FailApply.Clear();

        await h.RunAsync();

        Assert.Equal(2, h.Journal.Runs("r1"));
        Assert.Equal(RolloutStates.Succeeded, h.Journal.Find("r1")!.State);
    }
}
