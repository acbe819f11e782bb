using System.Text.Json;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Coordinator;

/// <summary>Failed gates roll back; a rerun after a kill follows what still runs; a component no agent has is refused with line and key.</summary>
[Trait("Category", "Coordinator")]
public sealed class GateAndReconcileTests
{
    [Fact]
    public async Task Rollout_CanaryDiesThreeSecondsIntoItsSoak_RolledBackAndReportedFailed()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 2, controlPlane: 0);
        var dying = fleet.KubeletBuild("kubelet-dies", "--exit-after-ms 3000");
        var plan = fleet.WritePlan(new PlanOptions { KubeletArtifact = dying.Name, SoakAfterCanary = "8s", Phases = "[preflight, backup, canary, workers, verify]" }, dying);
        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);
        var canary = fleet.Nodes[0];
        var kubelet = Path.Combine(fleet.Fleet.Directory, "nodes", canary.Name, "bin", "kubelet");
        var before = File.ReadAllBytes(kubelet);

        var result = await fleet.CoordinatorAsync("rollout", plan, "--plain", "--report-dir", fleet.Reports);

        Assert.Equal(ExitCodes.RolloutFailed, result.ExitCode);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(fleet.Reports, "r1.json")));
        Assert.Equal("failed", report.RootElement.GetProperty("state").GetString());
        Assert.Contains("canary", report.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        var line = report.RootElement.GetProperty("nodeResults").EnumerateArray().Single(n => n.GetProperty("node").GetString() == canary.Name);
        Assert.Equal("rolled-back", line.GetProperty("result").GetString());
        Assert.Contains("kubelet rolled back", line.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, report.RootElement.GetProperty("succeeded").GetInt32());
        Assert.Equal(before, File.ReadAllBytes(kubelet));
        Assert.DoesNotContain(await FleetFixture.OperationsAsync(fleet.Nodes[1]), o => o.Kind == OperationKind.Apply);
    }

    [Fact]
    public async Task Rollout_KilledWhileAnApplyWaitsForHealth_RerunFollowsItAndBacksUpOnlyTheOldVersion()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 2, controlPlane: 1, startupDelayMs: 10_000);
        var plan = fleet.WritePlan(new PlanOptions { Phases = "[preflight, backup, canary, control-plane, workers, verify]", HealthTimeout = "60s" });
        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);
        await using (var first = fleet.RolloutProcess(plan))
        {
            await Eventually.TrueAsync(async () => await RunningApplyAsync(fleet) is not null, TimeSpan.FromSeconds(90), "an apply to wait for health");
            first.Kill();
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }

        var running = await RunningApplyAsync(fleet);
        var status = await fleet.CoordinatorAsync("status", "r1");
        await using var rerun = fleet.RolloutProcess(plan);
        Assert.True(await rerun.WaitForExitAsync(TimeSpan.FromMinutes(3)), rerun.Output);

        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.NotNull(running);
        Assert.Contains("r1: interrupted (no coordinator is running it", status.Out, StringComparison.Ordinal);
        Assert.Contains($"is still running; following it to its end", rerun.Output, StringComparison.Ordinal);
        foreach (var node in fleet.Nodes)
        {
            var applies = (await FleetFixture.OperationsAsync(node)).Where(o => o.Kind == OperationKind.Apply).ToList();
            Assert.All(applies, a => Assert.EndsWith(":apply:1", a.OperationId, StringComparison.Ordinal));
            Assert.Equal(applies.Count, applies.Select(a => a.Component).Distinct().Count());
        }

        using var journal = new RolloutJournal(fleet.Journal, TimeProvider.System);
        var backups = journal.Facts("r1").Where(f => f.Key.StartsWith("backup ", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, backups.Count);
        Assert.All(backups, b => Assert.StartsWith("holds v1.10.11: 1 file(s) in backup set r1:", b.Value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValidateAndRollout_ComponentAnAgentsCatalogLacks_RefusedWithLineAndKeyAndNothingTouched()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 1, controlPlane: 0);
        var path = fleet.WritePlan(new PlanOptions { Phases = "[preflight, canary, workers]" });
        File.WriteAllText(path, File.ReadAllText(path).Replace("- { name: kube-proxy, files:", "- { name: kube-proxie, files:", StringComparison.Ordinal));

        var validate = await fleet.CoordinatorAsync("validate", path);
        var rollout = await fleet.CoordinatorAsync("rollout", path, "--plain", "--report-dir", fleet.Reports);

        const string Expected = "r1.yaml:14:15: components.worker[1].name: node node-001's agent has no component kube-proxie in its catalog (it has kubelet, kube-proxy)";
        Assert.Equal(ExitCodes.InvalidPlan, validate.ExitCode);
        Assert.Contains(Expected, validate.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.RolloutFailed, rollout.ExitCode);
        Assert.Contains(Expected, rollout.Out, StringComparison.Ordinal);
        Assert.Empty(await FleetFixture.OperationsAsync(fleet.Nodes[0]));
    }

    private static async Task<Operation?> RunningApplyAsync(FleetFixture fleet)
    {
        foreach (var node in fleet.Nodes)
        {
            if ((await FleetFixture.OperationsAsync(node)).FirstOrDefault(o => o.Kind == OperationKind.Apply && o.State == OperationState.Running) is { } running)
            {
                return running;
            }
        }

        return null;
    }
}
