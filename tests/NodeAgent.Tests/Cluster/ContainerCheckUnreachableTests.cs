using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;
using NodeAgent.Tests.Operations;

namespace NodeAgent.Tests.Cluster;

[Trait("Category", "Cluster")]
public sealed class ContainerCheckUnreachableTests
{
    [Fact]
    public async Task Apply_RuntimeSocketMissing_SucceedsNotMeasuredWithProblem()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"na-no-runtime-{Guid.NewGuid():N}.sock");
        await using var node = await TestNode.StartAsync(new TestNodeOptions
        {
            AgentYaml = $"containerRuntime: {{ endpoint: {missing}, timeoutSeconds: 2 }}",
            KubeletYaml = ["checkContainers: true"],
        });
        await ApplyTests.HealthyStatusAsync(node, "kubelet");

        await node.Client.ApplyAsync(await ApplyTests.ApplyRequestAsync(node, "unreachable-1", "kubelet-v1.17.0", "v1.17.0"));
        var op = await node.WaitForOperationAsync("unreachable-1");

        Assert.Equal(OperationState.Succeeded, op.State);
        Assert.Equal("v1.17.0", (await ApplyTests.HealthyStatusAsync(node, "kubelet")).Version);
        Assert.False(op.Containers.Measured);
        Assert.Equal($"before the restart: the container runtime at {missing} did not answer (no such socket)", op.Containers.Problem);
        Assert.Contains("containers: not measured (before the restart: ", op.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_NoRuntimeConfigured_SucceedsNotMeasured()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { KubeletYaml = ["checkContainers: true"] });
        await ApplyTests.HealthyStatusAsync(node, "kubelet");

        await node.Client.ApplyAsync(await ApplyTests.ApplyRequestAsync(node, "none-1", "kubelet-v1.17.0", "v1.17.0"));
        var op = await node.WaitForOperationAsync("none-1");

        Assert.Equal(OperationState.Succeeded, op.State);
        Assert.False(op.Containers.Measured);
        Assert.Contains("no container runtime configured", op.Containers.Problem, StringComparison.Ordinal);
    }
}
