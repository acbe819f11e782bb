using System.Text.Json;
using NodeAgent.Contracts.V1;

namespace NodeAgent.Tests.Coordinator;

[Trait("Category", "Coordinator")]
public sealed class RolloutTests
{
    [Fact]
    public async Task Rollout_WholeFleet_EveryNodeUpgradedOnceThenASecondRunChangesNothing()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 5, controlPlane: 1);
        var plan = fleet.WritePlan(new PlanOptions { BatchSize = "2" });

        var before = await fleet.CoordinatorAsync("plan", plan);
        var stage = await fleet.CoordinatorAsync("stage", plan);
        var restage = await fleet.CoordinatorAsync("stage", plan);
        var rollout = await fleet.CoordinatorAsync("rollout", plan, "--plain", "--report-dir", fleet.Reports);
        var after = await fleet.CoordinatorAsync("plan", plan, "-o", "json");
        var again = await fleet.CoordinatorAsync("rollout", plan, "--plain", "--report-dir", fleet.Reports);

        Assert.Equal(0, before.ExitCode);
        Assert.Contains("11 component(s) will change, 0 already at target", before.Out, StringComparison.Ordinal);
        Assert.Equal(0, stage.ExitCode);
        Assert.Contains("0 bytes sent", restage.Out, StringComparison.Ordinal);
        Assert.True(rollout.ExitCode == 0, rollout.Out + rollout.Err);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(fleet.Reports, "r1.json")));
        Assert.Equal("succeeded", report.RootElement.GetProperty("state").GetString());
        Assert.Equal(5, report.RootElement.GetProperty("succeeded").GetInt32());
        using var planned = JsonDocument.Parse(after.Out);
        // The control-plane catalogs also have the controllers, which this plan does not upgrade.
        Assert.All(planned.RootElement.EnumerateArray(), c => Assert.Equal(
            c.GetProperty("component").GetString() is "kube-controller-manager" or "kube-scheduler" ? "not touched" : "already at target",
            c.GetProperty("change").GetString()));
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already succeeded; nothing to do", again.Err, StringComparison.Ordinal);
        foreach (var node in fleet.Nodes)
        {
            var applies = (await FleetFixture.OperationsAsync(node)).Where(o => o.Kind == OperationKind.Apply).ToList();
            Assert.Equal(node.Role == "control-plane" ? 3 : 2, applies.Count);
            Assert.All(applies, a => Assert.True(a.Changed && a.State == OperationState.Succeeded, $"{node.Name} {a.OperationId} {a.State}"));
        }
    }

    [Fact]
    public async Task Rollout_NewRolloutIdForAFleetAlreadyAtTarget_RestartsNothing()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 3, controlPlane: 1);
        var first = fleet.WritePlan(new PlanOptions { Rollout = "first" });
        await fleet.CoordinatorAsync("stage", first);
        var initial = await fleet.CoordinatorAsync("rollout", first, "--plain", "--report-dir", fleet.Reports);
        Assert.True(initial.ExitCode == 0, initial.Out + initial.Err);
        var second = fleet.WritePlan(new PlanOptions { Rollout = "second" });

        var result = await fleet.CoordinatorAsync("rollout", second, "--plain", "--report-dir", fleet.Reports);

        Assert.Equal(0, result.ExitCode);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(fleet.Reports, "second.json")));
        Assert.All(report.RootElement.GetProperty("nodeResults").EnumerateArray(), n => Assert.Equal(0, n.GetProperty("restarts").GetInt32()));
        foreach (var node in fleet.Nodes)
        {
            var secondOps = (await FleetFixture.OperationsAsync(node)).Where(o => o.OperationId.StartsWith("second:", StringComparison.Ordinal) && o.Kind == OperationKind.Apply);
            Assert.All(secondOps, o => Assert.False(o.Changed));
        }
    }

    [Fact]
    public async Task Rollout_CanaryNeverHealthy_StopsBeforeAnyOtherNodeIsTouched()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 4, controlPlane: 1);
        var broken = fleet.BrokenKubelet();
        var plan = fleet.WritePlan(new PlanOptions { KubeletArtifact = broken.Name }, broken);
        await fleet.CoordinatorAsync("stage", plan);

        var result = await fleet.CoordinatorAsync("rollout", plan, "--plain", "--report-dir", fleet.Reports);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("canary failed; no other node was touched", result.Out, StringComparison.Ordinal);
        var canary = fleet.Nodes[0];
        var canaryOps = await FleetFixture.OperationsAsync(canary);
        Assert.Contains(canaryOps, o => o.Kind == OperationKind.Apply && o.Component == "kubelet" && o.State == OperationState.RolledBack);
        Assert.Contains(canaryOps, o => o.Kind == OperationKind.Rollback && o.Component == "kube-apiserver" && o.State == OperationState.Succeeded);
        foreach (var node in fleet.Nodes.Skip(1))
        {
            Assert.DoesNotContain(await FleetFixture.OperationsAsync(node), o => o.Kind is OperationKind.Apply or OperationKind.Rollback);
        }
    }

    [Fact]
    public async Task Rollout_BatchOverItsFailureThreshold_StopsBeforeTheNextBatch()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 7, controlPlane: 1);
        var gone = fleet.Nodes.First(n => n.Name == "node-002");
        var plan = fleet.WritePlan(new PlanOptions
        {
            BatchSize = "2",
            Phases = "[canary, control-plane, workers, verify]",
            AddressOverrides = new Dictionary<string, string> { [gone.Name] = $"unix:{fleet.Dir.Combine("nobody-here.sock")}" },
        });
        await fleet.CoordinatorAsync("stage", plan);

        var result = await fleet.CoordinatorAsync("rollout", plan, "--plain", "--report-dir", fleet.Reports);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("stopped after batch 1 of 3", result.Out, StringComparison.Ordinal);
        foreach (var name in new[] { "node-003", "node-004", "node-005", "node-006" })
        {
            Assert.DoesNotContain(await FleetFixture.OperationsAsync(fleet.Nodes.Single(n => n.Name == name)), o => o.Kind == OperationKind.Apply);
        }

        var status = await fleet.CoordinatorAsync("status", "r1", "-o", "json");
        using var json = JsonDocument.Parse(status.Out);
        var nodes = json.RootElement.GetProperty("nodeResults").EnumerateArray().ToDictionary(n => n.GetProperty("node").GetString()!, n => n.GetProperty("result").GetString());
        Assert.Equal("succeeded", nodes["node-001"]);
        Assert.Equal("in-flight", nodes["node-002"]);
        Assert.Equal("pending", nodes["node-003"]);
    }

    [Fact]
    public async Task Rollout_SecondComponentFails_NodeRolledBackWhole()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 2, controlPlane: 0);
        var plan = fleet.WritePlan(new PlanOptions { Phases = "[canary, workers]", Total = "1", PerBatch = "1" });
        await fleet.CoordinatorAsync("stage", plan);
        var victim = fleet.Nodes[1];
        var proxyDigest = fleet.Fleet.Manifest.Artifacts.Single(a => a.Name == "kube-proxy-v1.17.0").Sha256;
        File.Delete(Path.Combine(fleet.Fleet.Directory, "nodes", victim.Name, "state", "blobs", "sha256", proxyDigest));
        var kubeletBefore = File.ReadAllBytes(Path.Combine(fleet.Fleet.Directory, "nodes", victim.Name, "bin", "kubelet"));

        var result = await fleet.CoordinatorAsync("rollout", plan, "--plain", "--report-dir", fleet.Reports);

        Assert.Equal(1, result.ExitCode);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(fleet.Reports, "r1.json")));
        var line = report.RootElement.GetProperty("nodeResults").EnumerateArray().Single(n => n.GetProperty("node").GetString() == victim.Name);
        Assert.Equal("rolled-back", line.GetProperty("result").GetString());
        Assert.Contains("kubelet rolled back", line.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(kubeletBefore, File.ReadAllBytes(Path.Combine(fleet.Fleet.Directory, "nodes", victim.Name, "bin", "kubelet")));
    }
}
