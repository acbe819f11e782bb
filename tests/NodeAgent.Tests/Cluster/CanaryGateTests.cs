using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cluster;

/// <summary>
/// The coordinator's canary gate on what the agent measured: a container the runtime recreated during the
/// canary's kubelet upgrade (real containerd), and a new kubelet that opens six API server connections where the
/// old one held one. Either stops the rollout before any other node, and the report shows the figures.
/// </summary>
[Collection(ContainerdGroup.Name)]
[Trait("Category", "Cluster")]
public sealed class CanaryGateTests(ContainerdFixture containerd) : IDisposable
{
    private readonly TcpListener _apiServer = StartListener();
    private readonly TempDir _dir = new();

    private string Endpoint => $"127.0.0.1:{((IPEndPoint)_apiServer.LocalEndpoint).Port}";

    public void Dispose()
    {
        _apiServer.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Rollout_CanaryRestartedAContainer_GateStopsTheRollout()
    {
        await using var canary = await TestNode.StartAsync(new TestNodeOptions
        {
            AgentYaml = $"containerRuntime: {{ endpoint: {containerd.Socket} }}",
            KubeletYaml = ["checkContainers: true"],
        });
        await using var other = await TestNode.StartAsync();
        await containerd.RemoveAllPodsAsync();
        var pod = await containerd.Kubelet.RunPodAsync("shop", "cart");
        var victim = await containerd.Kubelet.RunContainerAsync(pod, "app");
        var gate = canary.Dir.Combine("healthy-gate");
        var plan = WritePlan(canary, other, StandIn.Config(canary.KubeletPort, 0, StandIn.HealthGate(gate)), "maxContainerRestarts: 0");
        await HealthyAsync(canary, other);
        Assert.Equal(ExitCodes.Ok, (await CoordinatorAsync("stage", plan)).ExitCode);

        var rollout = CoordinatorAsync("rollout", plan, "--plain", "--report-dir", _dir.Combine("reports"));
        await Eventually.TrueAsync(
            async () => (await canary.Client.ListOperationsAsync(new ListOperationsRequest())).Operations.Any(o => o.Kind == OperationKind.Apply && o.Step == "restarted"),
            TimeSpan.FromSeconds(60),
            "the canary's new kubelet to be started and waiting for health");
        await containerd.Kubelet.RecreateAsync(victim);
        await File.WriteAllTextAsync(gate, "");
        var result = await rollout;

        Assert.Equal(ExitCodes.RolloutFailed, result.ExitCode);
        Assert.Contains("canary gate failed after the soak; no other node was touched: canary: 1 container(s) restarted (at most 0 allowed)", result.Out, StringComparison.Ordinal);
        Assert.Contains("shop/cart/app: recreated (attempt 0 -> 1)", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(await OperationsAsync(other), o => o.Kind == OperationKind.Apply);
        var node = Node(ReadReport(), "canary");
        Assert.Equal(1, node.GetProperty("containersRestarted").GetInt32());
    }

    [Fact]
    public async Task Rollout_CanaryKubeletOpensMoreApiConnections_GateFlagsAndStopsTheRollout()
    {
        await using var canary = await StartCountingNodeAsync();
        await using var other = await TestNode.StartAsync();
        var plan = WritePlan(canary, other, StandIn.Config(canary.KubeletPort, 0, StandIn.ApiConnections(Endpoint, 6)), "maxConnectionGrowth: 2\n    connectionSoak: 1s");
        await HealthyAsync(canary, other);
        Assert.Equal(ExitCodes.Ok, (await CoordinatorAsync("stage", plan)).ExitCode);

        var result = await CoordinatorAsync("rollout", plan, "--plain", "--report-dir", _dir.Combine("reports"));

        Assert.Equal(ExitCodes.RolloutFailed, result.ExitCode);
        Assert.Contains("canary: API server connections grew from 1 to 6, more than 2x", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^canary\s.*\s1 -> 6\s", result.Out);
        Assert.DoesNotContain(await OperationsAsync(other), o => o.Kind == OperationKind.Apply);
        var node = Node(ReadReport(), "canary");
        Assert.Equal((1, 6), (node.GetProperty("connectionsBefore").GetInt32(), node.GetProperty("connectionsAfter").GetInt32()));
    }

    [Fact]
    public async Task Rollout_ConnectionGrowthReportOnly_FlaggedInTheReportRolloutGoesOn()
    {
        await using var canary = await StartCountingNodeAsync();
        var plan = WritePlan(canary, null, StandIn.Config(canary.KubeletPort, 0, StandIn.ApiConnections(Endpoint, 6)), "maxConnectionGrowth: 2\n    connectionGrowthFails: false\n    connectionSoak: 1s");
        await HealthyAsync(canary);
        Assert.Equal(ExitCodes.Ok, (await CoordinatorAsync("stage", plan)).ExitCode);

        var result = await CoordinatorAsync("rollout", plan, "--plain", "--report-dir", _dir.Combine("reports"));

        Assert.True(result.ExitCode == ExitCodes.Ok, result.Out + result.Err);
        Assert.Matches(@"(?m)^canary\s.*\s1 -> 6\s+components at v1\.17\.0; .*FLAGGED: API server connections grew from 1 to 6, more than 2x", result.Out);
    }

    /// <summary>A node whose kubelet counts its API server connections; the installed stand-in holds one.</summary>
    private Task<TestNode> StartCountingNodeAsync() => TestNode.StartAsync(new TestNodeOptions
    {
        AgentYaml = $"apiServer: {{ endpoints: [\"{Endpoint}\"] }}",
        KubeletYaml = ["countConnections: true"],
        KubeletConfigJson = StandIn.ApiConnections(Endpoint, 1),
    });

    /// <summary>The preflight wants every component healthy: wait for both stand-ins of both nodes first.</summary>
    private static async Task HealthyAsync(params TestNode[] nodes)
    {
        foreach (var node in nodes)
        {
            await Operations.ApplyTests.HealthyStatusAsync(node, "kubelet");
            await Operations.ApplyTests.HealthyStatusAsync(node, "kube-proxy");
        }
    }

    private static TcpListener StartListener()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    /// <summary>A plan of two workers (or the canary alone), the first the canary, upgrading kubelet's binary and config; the gates as given.</summary>
    private string WritePlan(TestNode canary, TestNode? other, string newConfig, string gates)
    {
        var config = canary.Artifact("kubelet-config-new.json");
        File.WriteAllText(config, newConfig);
        var artifacts = new[] { ("kubelet-v1.17.0", canary.Artifact("kubelet-v1.17.0")), ("kubelet-config-new", config) };
        var path = _dir.Combine("gate.yaml");
        File.WriteAllText(path, $"""
            rollout: gate
            targetVersion: v1.17.0
            artifacts:
            {string.Concat(artifacts.Select(a => $"  - {{ name: {a.Item1}, sha256: {TestNode.Digest(a.Item2)}, size: {new FileInfo(a.Item2).Length.ToString(CultureInfo.InvariantCulture)}, source: {a.Item2} }}\n"))}
            components:
              worker:
                - {"{"} name: kubelet, files: {"{"} binary: kubelet-v1.17.0, config: kubelet-config-new {"}"} {"}"}
            inventory:
              - {"{"} name: canary, role: worker, address: "unix:{canary.Socket}" {"}"}
            {(other is null ? "" : $"  - {{ name: other, role: worker, address: \"unix:{other.Socket}\" }}\n")}
            policy:
              canary: {"{"} nodes: [canary] {"}"}
              healthTimeout: 60s
              phases: [preflight, canary, workers, verify]
            cluster:
              gates:
                {gates}
            """);
        return path;
    }

    private async Task<CliResult> CoordinatorAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CoordinatorCli.RunAsync(["--journal", _dir.Combine("journal.db"), .. args], output, error, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    private JsonElement ReadReport() => JsonDocument.Parse(File.ReadAllText(_dir.Combine("reports", "gate.json"))).RootElement;

    private static JsonElement Node(JsonElement report, string name) =>
        report.GetProperty("nodeResults").EnumerateArray().Single(n => n.GetProperty("node").GetString() == name);

    private static async Task<IReadOnlyList<Operation>> OperationsAsync(TestNode node) =>
        (await node.Client.ListOperationsAsync(new ListOperationsRequest { Limit = 100 })).Operations;
}
