using NodeAgent.Contracts.V1;
using NodeAgent.Testing;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Operations;

/// <summary>What an interrupted explicit rollback means: once its renames have begun, recovery finishes it.</summary>
[Trait("Category", "ApplyEdgeCases")]
public sealed class InterruptedRollbackTests
{
    [Fact]
    public async Task Rollback_AgentKilledDuringItsRenames_RecoveryFinishesTheRollbackInsteadOfUndoingIt()
    {
        await using var node = TestNode.Create(new TestNodeOptions { AllowFailpoints = true });
        var original = File.ReadAllBytes(node.KubeletBinary);
        await using (var first = await AgentProcess.StartAsync(node))
        {
            await node.Client.ApplyAsync(await ApplyTests.ApplyRequestAsync(node, "up-1", "kubelet-v1.17.0", "v1.17.0"));
            Assert.Equal(OperationState.Succeeded, (await node.WaitForOperationAsync("up-1")).State);
        }

        await using (var dying = await AgentProcess.StartAsync(node, $"{Failpoints.SwapAfterRename}=kill"))
        {
            await node.Client.RollbackAsync(new RollbackRequest { OperationId = "back-1", Component = "kubelet" });
            Assert.True(await dying.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains($"failpoint {Failpoints.SwapAfterRename}: kill", dying.Output, StringComparison.Ordinal);
        }

        await using var restarted = await AgentProcess.StartAsync(node);
        var op = await node.WaitForOperationAsync("back-1");

        Assert.Equal(OperationState.Succeeded, op.State);
        Assert.Equal(original, File.ReadAllBytes(node.KubeletBinary));
        Assert.DoesNotContain(op.Events, e => e.Step == "rolling-back");
        Assert.Equal("v1.10.11", (await ApplyTests.HealthyStatusAsync(node, "kubelet")).Version);
    }
}
