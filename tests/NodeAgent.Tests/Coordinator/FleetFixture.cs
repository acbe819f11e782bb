using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DemoFleet;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Coordinator;

/// <summary>The knobs of a test plan.</summary>
internal sealed record PlanOptions
{
    public string Rollout { get; init; } = "r1";

    public string BatchSize { get; init; } = "50%";

    public string PerBatch { get; init; } = "0";

    public string Total { get; init; } = "0";

    public string Phases { get; init; } = "[preflight, backup, canary, control-plane, workers, verify]";

    public string SoakBetweenBatches { get; init; } = "0s";

    public string SoakAfterCanary { get; init; } = "0s";

    public string HealthTimeout { get; init; } = "20s";

    public string? KubeletArtifact { get; init; }

    public IReadOnlyDictionary<string, string> AddressOverrides { get; init; } = new Dictionary<string, string>();

    /// <summary>A "cluster:" section (YAML at the top level), or empty.</summary>
    public string ClusterYaml { get; init; } = "";

    /// <summary>Artifact name to a different source (a URL, say).</summary>
    public IReadOnlyDictionary<string, string> Sources { get; init; } = new Dictionary<string, string>();
}

/// <summary>A real fleet (agents with stand-in services, in this process) and helpers to plan and run rollouts on it.</summary>
internal sealed class FleetFixture : IAsyncDisposable
{
    private FleetFixture(TempDir dir, Fleet fleet)
    {
        Dir = dir;
        Fleet = fleet;
    }

    public TempDir Dir { get; }

    public Fleet Fleet { get; }

    public string Journal => Dir.Combine("journal.db");

    public string Reports => Dir.Combine("reports");

    public IReadOnlyList<FleetNode> Nodes => Fleet.Manifest.Nodes;

    /// <summary>A fleet whose stand-ins take <paramref name="startupDelayMs"/> (or a random time up to <paramref name="startupDelayMaxMs"/>) to become healthy.</summary>
    public static async Task<FleetFixture> StartAsync(int nodes, int controlPlane, int startupDelayMs = 150, int startupDelayMaxMs = 0)
    {
        var dir = new TempDir();
        return new FleetFixture(dir, await Fleet.StartAsync(dir.Combine("fleet"), nodes, controlPlane, startupDelayMs, startupDelayMaxMs));
    }

    /// <summary>A build of kubelet that never becomes healthy, as an artifact the plan can name.</summary>
    public FleetArtifact BrokenKubelet() => KubeletBuild("kubelet-broken", "--never-healthy");

    /// <summary>A build of kubelet v1.17.0 run with extra stand-in flags, as an artifact the plan can name.</summary>
    public FleetArtifact KubeletBuild(string name, string flags)
    {
        var path = Dir.Combine(name);
        File.WriteAllText(path, Fleet.BinaryScript("v1.17.0", flags));
        var bytes = File.ReadAllBytes(path);
        return new FleetArtifact(name, path, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length);
    }

    public string WritePlan(PlanOptions options, FleetArtifact? extra = null)
    {
        var artifacts = Fleet.Manifest.Artifacts.Select(a => options.Sources.TryGetValue(a.Name, out var source) ? a with { Path = source } : a).Concat(extra is null ? [] : [extra]);
        var kubelet = options.KubeletArtifact ?? "kubelet-v1.17.0";
        var yaml = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"rollout: {options.Rollout}\ntargetVersion: v1.17.0\nartifacts:\n");
        foreach (var a in artifacts)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{ name: {a.Name}, sha256: {a.Sha256}, size: {a.Size}, source: {a.Path} }}\n");
        }

        yaml.Append(CultureInfo.InvariantCulture, $$"""
            components:
              control-plane:
                - { name: kube-apiserver, files: { binary: kube-apiserver-v1.17.0 } }
                - { name: kubelet, files: { binary: {{kubelet}} }, marker: true }
                - { name: kube-proxy, files: { binary: kube-proxy-v1.17.0 } }
              worker:
                - { name: kubelet, files: { binary: {{kubelet}} }, marker: true }
                - { name: kube-proxy, files: { binary: kube-proxy-v1.17.0 } }
            inventory:

            """);
        foreach (var node in Nodes)
        {
            var address = options.AddressOverrides.GetValueOrDefault(node.Name, node.Address);
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{ name: {node.Name}, role: {node.Role}, address: \"{address}\" }}\n");
        }

        yaml.Append(CultureInfo.InvariantCulture, $$"""
            policy:
              canary: { count: 1 }
              batchSize: {{options.BatchSize}}
              maxConcurrency: 4
              failureThreshold: { perBatch: {{options.PerBatch}}, total: {{options.Total}} }
              soak: { afterCanary: {{options.SoakAfterCanary}}, betweenBatches: {{options.SoakBetweenBatches}} }
              healthTimeout: {{options.HealthTimeout}}
              callTimeout: 20s
              retries: 1
              phases: {{options.Phases}}

            """);
        yaml.Append(options.ClusterYaml);
        var path = Dir.Combine($"{options.Rollout}.yaml");
        File.WriteAllText(path, yaml.ToString());
        return path;
    }

    public Task<CliResult> CoordinatorAsync(params string[] args) => CoordinatorOnAsync(Journal, args);

    /// <summary>The coordinator (in this process) on another journal than the fixture's.</summary>
    public static async Task<CliResult> CoordinatorOnAsync(string journal, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CoordinatorCli.RunAsync(["--journal", journal, .. args], output, error, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>The coordinator as a real process (to be killed), running <c>rollout</c> on the fixture's journal.</summary>
    public DotnetProcess RolloutProcess(string plan) =>
        DotnetProcess.Start("nodeagent-coordinator.dll", ["--journal", Journal, "rollout", plan, "--plain", "--report-dir", Reports], project: "coordinator/NodeAgent.Coordinator");

    /// <summary>Every operation an agent has run, newest first.</summary>
    public static async Task<IReadOnlyList<Operation>> OperationsAsync(FleetNode node)
    {
        using var channel = TestNode.OpenChannel(node.Address["unix:".Length..]);
        var client = new NodeAgentService.NodeAgentServiceClient(channel);
        return (await client.ListOperationsAsync(new ListOperationsRequest { Limit = 1000 })).Operations;
    }

    public async ValueTask DisposeAsync()
    {
        await Fleet.DisposeAsync();
        Dir.Dispose();
    }
}
