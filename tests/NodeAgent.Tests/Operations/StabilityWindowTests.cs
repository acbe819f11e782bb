using NodeAgent.Contracts.V1;
using NodeAgent.Testing;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Operations;

/// <summary>healthStableSeconds: a build that is healthy for a moment and then dies is rolled back, also across an agent crash.</summary>
[Trait("Category", "ApplyEdgeCases")]
public sealed class StabilityWindowTests
{
    [Fact]
    public async Task Apply_BuildHealthyForThreeSecondsThenExits_RolledBackWithTheReasonInTheEvents()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { HealthStableSeconds = 10 });
        var oldBinary = File.ReadAllBytes(node.KubeletBinary);
        await ApplyTests.HealthyStatusAsync(node, "kubelet");

        var result = await node.CtlAsync("apply", "kubelet", "--id", "dies-1", "--version", "v1.17.2", "--file", $"binary={node.Artifact("kubelet-v1.17.2-dies")}");

        Assert.Equal(1, result.ExitCode);
        var op = (await node.Client.GetOperationAsync(new GetOperationRequest { OperationId = "dies-1" })).Operation;
        Assert.Equal(OperationState.RolledBack, op.State);
        Assert.Contains(op.Events, e => e.Step == "healthy" && e.Message.Contains("must stay healthy", StringComparison.Ordinal));
        Assert.Contains(op.Events, e => e.Step == "rolling-back" && e.Message.Contains("did not stay healthy through the stability window", StringComparison.Ordinal));
        Assert.DoesNotContain(op.Events, e => e.Step == "stable");
        Assert.Equal(oldBinary, File.ReadAllBytes(node.KubeletBinary));
        Assert.Equal("v1.10.11", (await ApplyTests.HealthyStatusAsync(node, "kubelet")).Version);
    }

    [Fact]
    public async Task Apply_AgentKilledInTheStabilityWindow_RecoveryResumesTheWindowAndRollsBack()
    {
        await using var node = TestNode.Create(new TestNodeOptions { AllowFailpoints = true, HealthStableSeconds = 15 });
        var oldBinary = File.ReadAllBytes(node.KubeletBinary);
        await using (var dying = await AgentProcess.StartAsync(node, $"{Failpoints.SwapDuringStability}=kill"))
        {
            await node.Client.ApplyAsync(await ApplyTests.ApplyRequestAsync(node, "dies-2", "kubelet-v1.17.2-dies", "v1.17.2"));
            Assert.True(await dying.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains($"failpoint {Failpoints.SwapDuringStability}: kill", dying.Output, StringComparison.Ordinal);
        }

        await using var restarted = await AgentProcess.StartAsync(node);
        var op = await node.WaitForOperationAsync("dies-2");

        Assert.Equal(OperationState.RolledBack, op.State);
        Assert.Contains("did not stay healthy through the stability window", op.Message, StringComparison.Ordinal);
        Assert.Equal(oldBinary, File.ReadAllBytes(node.KubeletBinary));
        Assert.Equal("v1.10.11", (await ApplyTests.HealthyStatusAsync(node, "kubelet")).Version);
    }

    [Fact]
    public async Task Apply_BuildThatStaysUp_SucceedsOnlyAfterTheWindowWithTheStableStepJournaled()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { HealthStableSeconds = 2 });
        await ApplyTests.HealthyStatusAsync(node, "kubelet");

        var result = await node.CtlAsync("apply", "kubelet", "--id", "stays-1", "--version", "v1.17.0", "--file", $"binary={node.Artifact("kubelet-v1.17.0")}");

        Assert.True(result.ExitCode == 0, result.Err + result.Out);
        var op = (await node.Client.GetOperationAsync(new GetOperationRequest { OperationId = "stays-1" })).Operation;
        var healthy = op.Events.Single(e => e.Step == "healthy");
        var stable = op.Events.Single(e => e.Step == "stable");
        Assert.True(stable.Time.ToDateTimeOffset() - healthy.Time.ToDateTimeOffset() >= TimeSpan.FromSeconds(2), $"{healthy.Time} -> {stable.Time}");
        Assert.Contains($"main pid {op.NewMainPid}", stable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_WindowOff_SucceedsWithoutWaitingAndSaysSo()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { HealthStableSeconds = 0 });
        await ApplyTests.HealthyStatusAsync(node, "kubelet");

        var result = await node.CtlAsync("apply", "kubelet", "--id", "off-1", "--version", "v1.17.0", "--file", $"binary={node.Artifact("kubelet-v1.17.0")}");

        Assert.True(result.ExitCode == 0, result.Err + result.Out);
        var op = (await node.Client.GetOperationAsync(new GetOperationRequest { OperationId = "off-1" })).Operation;
        Assert.Contains("no stability window (healthStableSeconds: 0)", op.Events.Single(e => e.Step == "healthy").Message, StringComparison.Ordinal);
        Assert.Equal(OperationState.Succeeded, op.State);
    }
}
