using System.Globalization;
using System.Security.Cryptography;
using DemoFleet;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Coordinator;

/// <summary>
/// The coordinator's promise under SIGKILL: killed at random moments of rollouts on a fleet whose stand-ins take 5 to 15 s
/// to become healthy, each kill followed at once by a rerun, every rerun goes on, every component is applied exactly
/// once under its first operation ids, none is skipped, and the controllers are never started while a node is mid-apply.
/// Rollouts alternate up to v1.17.0 and back down to v1.10.11 until enough kills were made.
/// </summary>
[Trait("Category", "Coordinator")]
public sealed class CoordinatorKillSuiteTests(ITestOutputHelper output)
{
    private const int Kills = 30;

    /// <summary>Well above the stand-ins' 15 s start-up, on a loaded 2-core machine: a kill must not be confused with a slow start.</summary>
    private const string HealthTimeout = "60s";
    private const string Controllers = "cluster:\n  controllers: [kube-controller-manager, kube-scheduler]\n";

    [Fact]
    public async Task Rollout_CoordinatorKilledAtRandomMoments_EveryRerunContinuesNothingAppliedTwiceNoneSkipped()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 3, controlPlane: 1, startupDelayMs: 5000, startupDelayMaxMs: 15000);
        var seed = Environment.GetEnvironmentVariable("NODEAGENT_KILL_SEED") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (NODEAGENT_KILL_SEED={seed} replays the kill moments)");
        var random = new Random(seed);
        var tally = new Tally();
        for (var round = 1; round == 1 || tally.Kills < Kills; round++)
        {
            var (plan, target) = round % 2 == 1 ? (Upgrade(fleet, round), Fleet.TargetVersion) : (Downgrade(fleet, round), Fleet.FromVersion);
            Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);
            await RunKillingAsync(fleet, plan, random, tally);
            await CheckRoundAsync(fleet, $"r{round}", target, tally);
        }

        output.WriteLine($"coordinator kills: {tally.Kills}, failed reruns: {tally.FailedReruns}, applied twice: {tally.AppliedTwice}, skipped: {tally.Skipped}");
        output.WriteLine($"controllers started while a node was mid-apply: {tally.ControllersDuringApply}");
        Assert.True(tally.Problems.Count == 0, string.Join("\n---\n", tally.Problems));
        Assert.True(tally.Kills >= Kills);
    }

    /// <summary>Runs rollout until it ends by itself; while kills are still owed, each run is killed at a random moment and rerun at once.</summary>
    private static async Task RunKillingAsync(FleetFixture fleet, string plan, Random random, Tally tally)
    {
        while (true)
        {
            await using var run = fleet.RolloutProcess(plan);
            if (tally.Kills < Kills)
            {
                // The random moment of the kill is what this test varies; it is not a wait for a condition.
                if (!await run.WaitForExitAsync(TimeSpan.FromMilliseconds(random.Next(1000, 4000))))
                {
                    run.Kill();
                    Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(10)), "a killed coordinator did not exit");
                    tally.Kills++;
                    continue;
                }
            }
            else
            {
                Assert.True(await run.WaitForExitAsync(TimeSpan.FromMinutes(4)), run.Output);
            }

            if (run.ExitCode != 0)
            {
                tally.FailedReruns++;
                tally.Problems.Add($"a rerun failed by itself (exit {run.ExitCode}):\n{run.Output}");
            }

            return;
        }
    }

    /// <summary>Every planned component of every node applied once, under attempt 1, and at the target; no controller start overlapping an apply.</summary>
    internal static async Task CheckRoundAsync(FleetFixture fleet, string rollout, string target, Tally tally)
    {
        var applies = new List<Operation>();
        var starts = new List<Operation>();
        foreach (var node in fleet.Nodes)
        {
            var ops = (await FleetFixture.OperationsAsync(node)).Where(o => OperationIds.BelongsTo(rollout, o.OperationId)).ToList();
            var mine = ops.Where(o => o.Kind == OperationKind.Apply).ToList();
            applies.AddRange(mine);
            starts.AddRange(ops.Where(o => o.Kind == OperationKind.Start));
            var components = node.Role == "control-plane" ? new[] { "kube-apiserver", "kubelet", "kube-proxy" } : ["kubelet", "kube-proxy"];
            foreach (var component in components)
            {
                var changed = mine.Count(o => o.Component == component && o.Changed && o.State == OperationState.Succeeded);
                var retried = mine.Count(o => o.Component == component && !o.OperationId.EndsWith(":apply:1", StringComparison.Ordinal));
                if (changed > 1 || retried > 0)
                {
                    tally.AppliedTwice++;
                    tally.Problems.Add($"{rollout}: {node.Name} {component} applied {changed} time(s), {retried} under a later attempt");
                }
                else if (changed == 0)
                {
                    tally.Skipped++;
                    tally.Problems.Add($"{rollout}: {node.Name} {component} was not applied");
                }
            }

            using var channel = TestNode.OpenChannel(node.Address["unix:".Length..]);
            var info = await new NodeAgentService.NodeAgentServiceClient(channel).GetInfoAsync(new GetInfoRequest { Probe = true });
            foreach (var component in components.Where(c => info.Components.Single(s => s.Name == c).Version != target))
            {
                tally.Skipped++;
                tally.Problems.Add($"{rollout}: {node.Name} {component} is not at {target}");
            }
        }

        foreach (var start in starts.Where(s => applies.Any(a => Overlap(a, s))))
        {
            tally.ControllersDuringApply++;
            tally.Problems.Add($"{rollout}: {start.OperationId} started {start.Component} while an apply was running");
        }
    }

    private static bool Overlap(Operation a, Operation b) =>
        a.CreatedAt.ToDateTimeOffset() < End(b) && b.CreatedAt.ToDateTimeOffset() < End(a);

    private static DateTimeOffset End(Operation op) => op.FinishedAt?.ToDateTimeOffset() ?? DateTimeOffset.MaxValue;

    internal static string Upgrade(FleetFixture fleet, int round) =>
        fleet.WritePlan(new PlanOptions { Rollout = $"r{round}", BatchSize = "2", HealthTimeout = HealthTimeout, Phases = "[preflight, backup, controllers, canary, control-plane, workers, verify]", ClusterYaml = Controllers });

    /// <summary>
    /// Back to the installed version: the same plan with the fleet's original binaries as artifacts, and
    /// <c>allowDowngrade</c> unless <paramref name="allowed"/> is false. No preflight: going down, the API server is
    /// older than the kubelets until the last node, which the skew check rightly refuses.
    /// </summary>
    internal static string Downgrade(FleetFixture fleet, int round, bool allowed = true)
    {
        var path = fleet.WritePlan(new PlanOptions { Rollout = $"r{round}", BatchSize = "2", HealthTimeout = HealthTimeout, Phases = "[backup, controllers, canary, control-plane, workers, verify]", ClusterYaml = Controllers });
        var text = File.ReadAllText(path).Replace($"targetVersion: {Fleet.TargetVersion}", $"targetVersion: {Fleet.FromVersion}", StringComparison.Ordinal);
        if (allowed)
        {
            text = text.Replace("  retries: 1\n", "  retries: 1\n  allowDowngrade: true\n", StringComparison.Ordinal);
        }

        foreach (var artifact in fleet.Fleet.Manifest.Artifacts)
        {
            var component = artifact.Name[..artifact.Name.LastIndexOf("-v", StringComparison.Ordinal)];
            var old = fleet.Dir.Combine($"{component}-{Fleet.FromVersion}");
            File.WriteAllText(old, Fleet.BinaryScript(Fleet.FromVersion) + $"# {component}\n");
            var bytes = File.ReadAllBytes(old);
            text = text
                .Replace($"sha256: {artifact.Sha256}, size: {artifact.Size}, source: {artifact.Path}", $"sha256: {Convert.ToHexStringLower(SHA256.HashData(bytes))}, size: {bytes.Length}, source: {old}", StringComparison.Ordinal)
                .Replace(artifact.Name, $"{component}-{Fleet.FromVersion}", StringComparison.Ordinal);
        }

        File.WriteAllText(path, text);
        return path;
    }

    internal sealed class Tally
    {
        public int Kills { get; set; }

        public int FailedReruns { get; set; }

        public int AppliedTwice { get; set; }

        public int Skipped { get; set; }

        public int ControllersDuringApply { get; set; }

        public List<string> Problems { get; } = [];
    }
}
