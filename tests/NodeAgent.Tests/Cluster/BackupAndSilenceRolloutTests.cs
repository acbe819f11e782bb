using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;
using NodeAgent.Tests.Coordinator;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cluster;

/// <summary>
/// The rollout's etcd snapshot and Alertmanager silence against the real servers from Debian's packages: the
/// snapshot taken, verified and in the report; the silence held over the window and expired at the end, also
/// when the canary fails; and extended while a long rollout runs.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class BackupAndSilenceRolloutTests
{
    private static readonly HttpClient Http = new();

    [SkippableFact]
    public async Task Rollout_WithEtcdAndAlertmanager_SnapshotVerifiedSilenceHeldThenExpired()
    {
        using var etcd = await EtcdServer.StartAsync();
        await EtcdServer.PutAsync(etcd, "/registry/nodes/node-001", "v1.10.11");
        using var alertmanager = await AlertmanagerServer.StartAsync();
        await using var fleet = await FleetFixture.StartAsync(nodes: 2, controlPlane: 1);
        var snapshots = fleet.Dir.Combine("etcd-backups");
        var plan = fleet.WritePlan(new PlanOptions { Phases = "[preflight, backup, silence, canary, control-plane, workers, verify]", ClusterYaml = ClusterYaml(etcd, alertmanager, snapshots) });
        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);

        var result = await fleet.CoordinatorAsync("rollout", plan, "--plain", "--report-dir", fleet.Reports);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.Out + result.Err);
        var file = Path.Combine(snapshots, "r1-etcd.db");
        var status = await EtcdServer.EtcdctlAsync("snapshot", "status", file, "-w", "json");
        Assert.Equal(0, status.ExitCode);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fleet.Reports, "r1.json")));
        var cluster = report.RootElement.GetProperty("cluster").EnumerateArray().ToDictionary(f => f.GetProperty("step").GetString()!, f => f.GetProperty("result").GetString()!);
        Assert.StartsWith($"{file}: sha256 {Sha256(file)}", cluster["etcd-snapshot"], StringComparison.Ordinal);
        Assert.Contains("verified with etcdctl snapshot status", cluster["etcd-snapshot"], StringComparison.Ordinal);

        var silences = await Silences(alertmanager).ListAsync(CancellationToken.None);
        var silence = Assert.Single(silences);
        Assert.Equal("expired", silence.State);
        Assert.StartsWith($"{silence.Id}: expired after the nodes were done", cluster["silence"], StringComparison.Ordinal);
        Assert.Contains($"silence: {silence.Id} created", result.Err, StringComparison.Ordinal);
        var snapshotAt = Array.FindIndex(Events(report), e => e.Contains("backup: etcd snapshot", StringComparison.Ordinal));
        var silencedAt = Array.FindIndex(Events(report), e => e.Contains("created, ends", StringComparison.Ordinal));
        var firstNodeAt = Array.FindIndex(Events(report), e => e.Contains("canary gate passed", StringComparison.Ordinal));
        Assert.True(snapshotAt >= 0 && snapshotAt < silencedAt && silencedAt < firstNodeAt, string.Join("\n", Events(report)));

        // Run again: the rollout is done, nothing new is created.
        var again = await fleet.CoordinatorAsync("rollout", plan, "--plain");
        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        Assert.Single(await Silences(alertmanager).ListAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task Rollout_CanaryFails_SilenceExpiredAndControllersStartedOnTheWayOut()
    {
        using var alertmanager = await AlertmanagerServer.StartAsync();
        await using var fleet = await FleetFixture.StartAsync(nodes: 2, controlPlane: 1);
        var broken = fleet.BrokenKubelet();
        var plan = fleet.WritePlan(new PlanOptions { KubeletArtifact = broken.Name, Phases = "[preflight, silence, controllers, canary, control-plane, workers, verify]", ClusterYaml = ClusterYaml(null, alertmanager, null) }, broken);
        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);

        var result = await fleet.CoordinatorAsync("rollout", plan, "--plain", "--report-dir", fleet.Reports);

        Assert.Equal(ExitCodes.RolloutFailed, result.ExitCode);
        Assert.Contains("canary failed", result.Out, StringComparison.Ordinal);
        var silence = Assert.Single(await Silences(alertmanager).ListAsync(CancellationToken.None));
        Assert.Equal("expired", silence.State);
        var report = await File.ReadAllTextAsync(Path.Combine(fleet.Reports, "r1.txt"));
        Assert.Contains($"{silence.Id}: expired because the rollout stopped early", report, StringComparison.Ordinal);
        Assert.Contains("controllers-started: started again after the rollout stopped early", report, StringComparison.Ordinal);
        var cp = fleet.Nodes.Single(n => n.Role == "control-plane");
        var operations = await FleetFixture.OperationsAsync(cp);
        foreach (var controller in new[] { "kube-controller-manager", "kube-scheduler" })
        {
            var stopped = operations.Single(o => o.Component == controller && o.Kind == NodeAgent.Contracts.V1.OperationKind.Stop);
            var started = operations.Single(o => o.Component == controller && o.Kind == NodeAgent.Contracts.V1.OperationKind.Start);
            Assert.True(started.CreatedAt.ToDateTimeOffset() > stopped.FinishedAt.ToDateTimeOffset());
            Assert.Equal(NodeAgent.Contracts.V1.OperationState.Succeeded, started.State);
        }
    }

    [SkippableFact]
    public async Task SilenceHook_RolloutRunsLong_ExtendedBeforeItRunsOut()
    {
        using var alertmanager = await AlertmanagerServer.StartAsync();
        using var dir = new TempDir();
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        using var journal = new RolloutJournal(dir.Combine("journal.db"), time);
        var plan = new Plan("long", "v1.17.0", [], new Dictionary<string, IReadOnlyList<PlanComponent>>(), [], null!, "digest");
        var settings = new AlertSilencePlan(alertmanager.Url, [new PlanSilenceMatcher("cluster", "prod", false, true)], TimeSpan.FromHours(1), "nodeagent-coordinator", "");
        using var hook = new SilenceHook(plan, settings, Http, journal, new RolloutProgress(time, 0), time);
        journal.CreateRollout("long", "digest", "plan.yaml", "v1.17.0", []);

        await hook.BeforeWindowAsync(CancellationToken.None);
        var created = (await Silences(alertmanager).GetAsync(hook.SilenceId!, CancellationToken.None))!;
        time.Advance(TimeSpan.FromMinutes(15));
        time.Advance(TimeSpan.FromMinutes(15));
        time.Advance(TimeSpan.FromMinutes(15));
        Silence? extended = null;
        await Eventually.TrueAsync(
            async () => (extended = await Silences(alertmanager).GetAsync(hook.SilenceId!, CancellationToken.None))!.EndsAt > created.EndsAt,
            TimeSpan.FromSeconds(20),
            "the silence to be extended");
        await hook.AfterNodesAsync(CancellationToken.None);

        Assert.Equal(created.Id, extended!.Id);
        Assert.True(extended.EndsAt >= created.EndsAt + TimeSpan.FromMinutes(30), $"{created.EndsAt:O} -> {extended.EndsAt:O}");
        Assert.Equal("expired", (await Silences(alertmanager).GetAsync(created.Id, CancellationToken.None))!.State);
    }

    private static string[] Events(JsonDocument report) => report.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static AlertSilences Silences(ServerProcess alertmanager) =>
        new(Http, new SilenceOptions(alertmanager.Url, [new SilenceMatcher("cluster", "prod")], TimeSpan.FromHours(1), "nodeagent-coordinator", "any"), TimeProvider.System);

    private static string Sha256(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    private static string ClusterYaml(ServerProcess? etcd, ServerProcess alertmanager, string? snapshots)
    {
        var yaml = new System.Text.StringBuilder("cluster:\n");
        if (etcd is not null)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  etcd:\n    etcdctl: {EtcdServer.Etcdctl}\n    endpoints: [\"{etcd.Origin}\"]\n    snapshotDirectory: {snapshots}\n");
        }

        yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  alertmanager:\n    url: {alertmanager.Url}\n    matchers: [{{ name: cluster, value: prod }}]\n    duration: 1h\n");
        return yaml.ToString();
    }
}
