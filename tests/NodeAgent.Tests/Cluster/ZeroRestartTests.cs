using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;
using NodeAgent.Tests.Operations;

namespace NodeAgent.Tests.Cluster;

/// <summary>The zero-restart proof against a real containerd: the test plays kubelet through CRI.</summary>
[Collection(ContainerdGroup.Name)]
[Trait("Category", "Cluster")]
public sealed class ZeroRestartTests(ContainerdFixture containerd)
{
    [Fact]
    public async Task Apply_NoContainerTouched_FourRunningBeforeAndAfterNoneRestarted()
    {
        await using var node = await StartNodeAsync();
        await RunTwoPodsAsync();
        var binary = await node.StageAsync("kubelet-v1.17.0");

        var result = await node.CtlAsync("apply", "kubelet", "--id", "zero-1", "--version", "v1.17.0", "--file", $"binary={binary}");

        Assert.True(result.ExitCode == 0, result.Err + result.Out);
        var op = (await node.Client.GetOperationAsync(new GetOperationRequest { OperationId = "zero-1" })).Operation;
        Assert.Equal(OperationState.Succeeded, op.State);
        Assert.True(op.Containers.Measured, op.Containers.Problem);
        Assert.Equal(4, op.Containers.RunningBefore);
        Assert.Equal(4, op.Containers.RunningAfter);
        Assert.True(op.Containers.Restarted.Count == 0, string.Join("; ", op.Containers.Restarted.Select(r => $"{r.PodNamespace}/{r.PodName}/{r.ContainerName} {r.OldId} -> {r.NewId}: {r.Reason}")));
        Assert.Null(op.Connections);
        Assert.Contains("containers: 4 running before, 4 after, 0 restarted", op.Message, StringComparison.Ordinal);
        Assert.Contains("containers   4 running before, 4 after, 0 restarted", result.Out, StringComparison.Ordinal);
        node.Logs.AssertNoErrors();
    }

    [Fact]
    public async Task Apply_OneContainerRecreatedBetweenSnapshots_ReportsExactlyThatContainer()
    {
        await using var node = await StartNodeAsync();
        var containers = await RunTwoPodsAsync();
        var gate = node.Dir.Combine("healthy-gate");
        File.WriteAllText(node.Artifact("kubelet-config-gated.json"), StandIn.Config(node.KubeletPort, 0, StandIn.HealthGate(gate)));
        var request = await ApplyTests.ApplyRequestAsync(node, "recreate-1", "kubelet-v1.17.0", "v1.17.0");
        request.Files.Add(new TargetFile { Role = "config", Sha256 = await node.StageAsync("kubelet-config-gated.json") });
        request.HealthTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(60));

        await node.Client.ApplyAsync(request);
        await Eventually.TrueAsync(
            async () => (await node.Client.GetOperationAsync(new GetOperationRequest { OperationId = "recreate-1" })).Operation.Step == "restarted",
            TimeSpan.FromSeconds(30),
            "the new kubelet to be started and waiting for health (the first snapshot taken)");
        var victim = containers[1];
        var recreated = await containerd.Kubelet.RecreateAsync(victim);
        File.WriteAllText(gate, "");
        var op = await node.WaitForOperationAsync("recreate-1");

        Assert.Equal(OperationState.Succeeded, op.State);
        Assert.True(op.Containers.Measured, op.Containers.Problem);
        Assert.Equal(4, op.Containers.RunningBefore);
        Assert.Equal(4, op.Containers.RunningAfter);
        var restarted = Assert.Single(op.Containers.Restarted);
        Assert.Equal(("team-a", "web", "sidecar"), (restarted.PodNamespace, restarted.PodName, restarted.ContainerName));
        Assert.Equal((victim.Id, recreated.Id), (restarted.OldId, restarted.NewId));
        Assert.Equal((0u, 1u), (restarted.OldAttempt, restarted.NewAttempt));
        Assert.Equal("recreated (attempt 0 -> 1)", restarted.Reason);
        Assert.Contains("containers: 4 running before, 4 after, 1 restarted", op.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_AgentKilledBetweenTheSnapshots_RecoveryFinishesTheComparison()
    {
        await using var node = TestNode.Create(Options() with { AllowFailpoints = true });
        await RunTwoPodsAsync();
        await using (var dying = await AgentProcess.StartAsync(node, $"{NodeAgent.Testing.Failpoints.SwapDuringHealth}=kill"))
        {
            await node.Client.ApplyAsync(await ApplyTests.ApplyRequestAsync(node, "crash-1", "kubelet-v1.17.0", "v1.17.0"));
            Assert.True(await dying.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the agent did not die at the failpoint");
            Assert.Contains($"failpoint {NodeAgent.Testing.Failpoints.SwapDuringHealth}: kill", dying.Output, StringComparison.Ordinal);
        }

        await using var restarted = await AgentProcess.StartAsync(node);
        var op = await node.WaitForOperationAsync("crash-1");

        Assert.Equal(OperationState.Succeeded, op.State);
        Assert.True(op.Containers.Measured, op.Containers.Problem);
        Assert.Equal((4, 4), (op.Containers.RunningBefore, op.Containers.RunningAfter));
        Assert.Empty(op.Containers.Restarted);
    }

    private TestNodeOptions Options() => new()
    {
        AgentYaml = $"containerRuntime: {{ endpoint: {containerd.Socket}, timeoutSeconds: 10 }}",
        KubeletYaml = ["checkContainers: true"],
    };

    private Task<TestNode> StartNodeAsync() => TestNode.StartAsync(Options());

    /// <summary>Two pods of two containers each, all running: [web/app, web/sidecar, db/app, db/sidecar].</summary>
    private async Task<IReadOnlyList<CriContainer>> RunTwoPodsAsync()
    {
        await containerd.RemoveAllPodsAsync();
        var kubelet = containerd.Kubelet;
        var started = new List<CriContainer>();
        foreach (var name in new[] { "web", "db" })
        {
            var pod = await kubelet.RunPodAsync("team-a", name);
            started.Add(await kubelet.RunContainerAsync(pod, "app"));
            started.Add(await kubelet.RunContainerAsync(pod, "sidecar"));
        }

        Assert.Equal(4, await kubelet.RunningCountAsync());
        return started;
    }
}
