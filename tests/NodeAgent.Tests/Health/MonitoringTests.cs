using Grpc.Health.V1;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;
using NodeAgent.Tests.Operations;

namespace NodeAgent.Tests.Health;

[Trait("Category", "AgentCore")]
public sealed class MonitoringTests
{
    [Fact]
    public async Task GrpcHealth_PerComponentAndWhole_ReflectsTheServices()
    {
        await using var node = await TestNode.StartAsync();
        var health = new Grpc.Health.V1.Health.HealthClient(TestNode.OpenChannel(node.Socket));
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        await ApplyTests.HealthyStatusAsync(node, "kube-proxy");

        await Eventually.TrueAsync(
            async () => (await health.CheckAsync(new HealthCheckRequest { Service = "" })).Status == HealthCheckResponse.Types.ServingStatus.Serving,
            TimeSpan.FromSeconds(20),
            "the whole agent to report SERVING");
        await node.CtlAsync("stop", "kube-proxy");

        await Eventually.TrueAsync(
            async () => (await health.CheckAsync(new HealthCheckRequest { Service = "kube-proxy" })).Status == HealthCheckResponse.Types.ServingStatus.NotServing,
            TimeSpan.FromSeconds(20),
            "kube-proxy to report NOT_SERVING");
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "kubelet" })).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest { Service = "" })).Status);
    }

    [Fact]
    public async Task VersionProbe_UnchangedBinary_RunOnceThenAgainOnlyWhenTheFileIsReplaced()
    {
        await using var node = await TestNode.StartAsync();
        var runs = node.Dir.Combine("version-runs");
        var counting = node.Dir.Combine("kube-proxy-counting");
        await ApplyTests.HealthyStatusAsync(node, "kube-proxy");
        File.WriteAllText(counting, $"#!/bin/sh\necho run >> {runs}\necho 'Kubernetes v1.12.0'\n");
        File.SetUnixFileMode(counting, (UnixFileMode)Convert.ToInt32("755", 8));
        File.Move(counting, node.ProxyBinary, overwrite: true);

        var first = await ProxyVersionAsync(node);
        var afterFirst = File.ReadAllLines(runs).Length;
        Assert.Equal("v1.12.0", await ProxyVersionAsync(node));

        // The agent's own periodic probe may have missed the cache at the same moment as the first probe and finish
        // now; from here on nothing may run the binary while it is unchanged.
        var settled = File.ReadAllLines(runs).Length;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("v1.12.0", await ProxyVersionAsync(node));
        }

        var afterRepeats = File.ReadAllLines(runs).Length;
        File.WriteAllText(counting, $"#!/bin/sh\necho run >> {runs}\necho 'Kubernetes v1.13.0'\n");
        File.SetUnixFileMode(counting, (UnixFileMode)Convert.ToInt32("755", 8));
        File.Move(counting, node.ProxyBinary, overwrite: true);
        var replaced = await ProxyVersionAsync(node);

        Assert.Equal("v1.12.0", first);
        Assert.InRange(settled, afterFirst, afterFirst + 1);
        Assert.Equal(settled, afterRepeats);
        Assert.Equal("v1.13.0", replaced);
        // Run again for the new file: once, or twice when the agent's own periodic probe missed the cache at the same moment.
        Assert.InRange(File.ReadAllLines(runs).Length, afterRepeats + 1, afterRepeats + 2);
    }

    private static async Task<string> ProxyVersionAsync(TestNode node) =>
        (await node.Client.GetInfoAsync(new GetInfoRequest { Probe = true })).Components.Single(c => c.Name == "kube-proxy").Version;

    [Fact]
    public async Task Metrics_AfterStageAndApply_ExposesCountersInPrometheusText()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { Metrics = true });
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        await node.CtlAsync("apply", "kubelet", "--version", "v1.17.0", "--file", $"binary={node.Artifact("kubelet-v1.17.0")}");
        using var http = new HttpClient();

        var url = new Uri($"http://127.0.0.1:{node.MetricsPort}/metrics");
        var text = "";
        await Eventually.TrueAsync(
            async () => (text = await http.GetStringAsync(url)).Contains("nodeagent_component_up{component=\"kubelet\"} 1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20),
            "the background probe to see kubelet up after the apply");

        Assert.Contains("nodeagent_operations_total{kind=\"Apply\",result=\"Succeeded\"} 1", text, StringComparison.Ordinal);
        Assert.Contains($"nodeagent_stage_bytes_total {new FileInfo(node.Artifact("kubelet-v1.17.0")).Length}", text, StringComparison.Ordinal);
        Assert.Contains("nodeagent_apply_duration_seconds_count 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnixSocket_IsOwnerOnly()
    {
        await using var node = await TestNode.StartAsync();

        var mode = File.GetUnixFileMode(node.Socket);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public async Task GetInfo_ReportsIdentityStoreAndFiles()
    {
        await using var node = await TestNode.StartAsync();
        await node.StageAsync("kubelet-v1.17.0");

        var info = await node.Client.GetInfoAsync(new GetInfoRequest { Probe = true });

        Assert.Equal("test-node", info.NodeName);
        Assert.Equal("process", info.ServiceManager);
        Assert.Equal(1, info.Store.BlobCount);
        var kubelet = info.Components.Single(c => c.Name == "kubelet");
        Assert.Equal(TestNode.Digest(node.KubeletBinary), kubelet.Files.Single(f => f.Role == "binary").Sha256);
        Assert.Equal(0, info.UnfinishedOperations);
    }
}
