using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cluster;

/// <summary>The plan's cluster: section: every bad key named with its line, and a good one accepted.</summary>
[Trait("Category", "Cluster")]
public sealed class ClusterPlanTests : IDisposable
{
    private const string Digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly TempDir _dir = new();

    public ClusterPlanTests()
    {
        File.WriteAllText(_dir.Combine("kubeconfig"), "apiVersion: v1\nkind: Config\n");
        File.WriteAllText(_dir.Combine("etcdctl"), "#!/bin/sh\n");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Validate_GoodClusterSection_Accepted()
    {
        var result = await ValidateAsync(Plan(GoodCluster));

        Assert.True(result.ExitCode == 0, result.Err);
    }

    [Theory]
    [InlineData("kubeconfig: ./kubeconfig", "kubeconfig: ./missing", "cluster.kubernetes.kubeconfig: ")]
    [InlineData("kubeconfig: ./kubeconfig", "kubeconfig: ./kubeconfig\n    inCluster: true", "cluster.kubernetes: give exactly one of kubeconfig")]
    [InlineData("fixLabels: false", "fixLabels: maybe", "cluster.preflight.fixLabels: \"maybe\" is not true or false")]
    [InlineData("podLabel: example.com/refreshed", "podLabel: \"bad label!\"", "cluster.podLabel: \"bad label!\" is not a label key")]
    [InlineData("controllers: [kube-controller-manager]", "controllers: [\"../bin/sh\"]", "cluster.controllers: \"../bin/sh\" is not a component name")]
    [InlineData("endpoints: [\"http://127.0.0.1:2379\"]", "endpoints: [\"127.0.0.1:2379\"]", "cluster.etcd.endpoints: \"127.0.0.1:2379\" is not an etcd client URL")]
    [InlineData("endpoints: [\"http://127.0.0.1:2379\"]", "endpoints: []", "cluster.etcd.endpoints: needs at least one endpoint")]
    [InlineData("    snapshotDirectory: /var/backups/etcd\n", "", "cluster.etcd.snapshotDirectory: is required")]
    [InlineData("url: http://127.0.0.1:9093", "url: ftp://127.0.0.1:9093", "cluster.alertmanager.url: \"ftp://127.0.0.1:9093\" is not an http(s) URL")]
    [InlineData("matchers: [{ name: cluster, value: prod }]", "matchers: []", "cluster.alertmanager.matchers: needs at least one matcher")]
    [InlineData("matchers: [{ name: cluster, value: prod }]", "matchers: [{ name: \"bad-name\", value: prod }]", "cluster.alertmanager.matchers[0].name: \"bad-name\" is not an alert label name")]
    [InlineData("duration: 2h", "duration: 30s", "cluster.alertmanager.duration: 30s is shorter than")]
    [InlineData("maxConnectionGrowth: 2", "maxConnectionGrowth: 0.5", "cluster.gates.maxConnectionGrowth: \"0.5\" is not a factor from 1 to 1000")]
    [InlineData("maxContainerRestarts: 0", "maxContainerRestarts: none", "cluster.gates.maxContainerRestarts: \"none\" is not a whole number")]
    [InlineData("connectionSoak: 5s", "connectionSoak: 1h", "cluster.gates.connectionSoak: 1h is longer than")]
    [InlineData("gates:", "colour: blue\n  gates:", "cluster.colour: unknown key")]
    public async Task Validate_BadClusterSection_NamesTheKey(string good, string bad, string expected)
    {
        Assert.Contains(good, GoodCluster, StringComparison.Ordinal);

        var result = await ValidateAsync(Plan(GoodCluster.Replace(good, bad, StringComparison.Ordinal)));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_UnknownPhase_ListsTheClusterPhases()
    {
        var result = await ValidateAsync(Plan("").Replace("phases: [canary, workers]", "phases: [canary, reboot]", StringComparison.Ordinal));

        Assert.Contains("phases are preflight, backup, silence, controllers, canary, control-plane, workers, label-pods, verify", result.Err, StringComparison.Ordinal);
    }

    private const string GoodCluster = """
        cluster:
          kubernetes:
            kubeconfig: ./kubeconfig
          preflight: { matchNodeSelector: true, tolerations: true, fixLabels: false }
          podLabel: example.com/refreshed
          controllers: [kube-controller-manager]
          etcd:
            etcdctl: ./etcdctl
            endpoints: ["http://127.0.0.1:2379"]
            snapshotDirectory: /var/backups/etcd
          alertmanager:
            url: http://127.0.0.1:9093
            matchers: [{ name: cluster, value: prod }]
            duration: 2h
          gates:
            maxContainerRestarts: 0
            maxConnectionGrowth: 2
            connectionSoak: 5s

        """;

    private static string Plan(string cluster) => $$"""
        rollout: up-17
        targetVersion: v1.17.0
        artifacts:
          - { name: kubelet-v1.17.0, sha256: {{Digest}}, size: 100, source: kubelet }
        components:
          worker:
            - { name: kubelet, files: { binary: kubelet-v1.17.0 }, marker: true }
        inventory:
          - { name: n1, role: worker, address: "127.0.0.1:7001" }
        policy:
          phases: [canary, workers]

        """ + cluster;

    private Task<CliResult> ValidateAsync(string content) => Coordinator.PlanValidationTests.ValidateAsync(_dir, content);
}
