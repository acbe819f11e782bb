using System.Globalization;
using System.Text.Json;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Coordinator;

/// <summary>The coordinator as a real process: killed and restarted, paused, resumed and aborted from another process.</summary>
[Trait("Category", "Coordinator")]
public sealed class ResumeAndControlTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Rollout_CoordinatorKilledAtRandomAndRestarted_EveryNodeUpgradedExactlyOnce()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 7, controlPlane: 1);
        var plan = fleet.WritePlan(new PlanOptions { BatchSize = "2" });
        Assert.Equal(0, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);
        var seed = Environment.GetEnvironmentVariable("NODEAGENT_RESUME_SEED") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"coordinator kills: seed {seed} (NODEAGENT_RESUME_SEED={seed} replays it)");
        var random = new Random(seed);
        var kills = 0;

        for (var run = 0; run < 6; run++)
        {
            await using var coordinator = fleet.RolloutProcess(plan);
            var delay = TimeSpan.FromMilliseconds(random.Next(500, 4000));

            // The random moment of the kill is what this test varies; it is not a wait for a condition.
            if (await coordinator.WaitForExitAsync(delay))
            {
                Assert.True(coordinator.ExitCode == 0, $"a run that was not killed failed: {coordinator.Output}");
                break;
            }

            coordinator.Kill();
            await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(10));
            kills++;
        }

        await using (var last = fleet.RolloutProcess(plan))
        {
            Assert.True(await last.WaitForExitAsync(TimeSpan.FromMinutes(3)), last.Output);
            Assert.True(last.ExitCode == 0, last.Output);
        }

        output.WriteLine($"coordinator killed {kills} time(s)");
        foreach (var node in fleet.Nodes)
        {
            var changed = (await FleetFixture.OperationsAsync(node)).Where(o => o.Kind == OperationKind.Apply && o.Changed).ToList();
            Assert.Equal(node.Role == "control-plane" ? 3 : 2, changed.Count);
            Assert.Equal(changed.Count, changed.Select(o => o.Component).Distinct().Count());
        }
    }

    [Fact]
    public async Task Rollout_PausedResumedAndAbortedFromAnotherProcess()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 6, controlPlane: 0);
        var plan = fleet.WritePlan(new PlanOptions { BatchSize = "1", SoakBetweenBatches = "1s", Phases = "[workers]" });
        Assert.Equal(0, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);
        await using var coordinator = fleet.RolloutProcess(plan);
        await WaitForStateAsync(fleet, r => r?.Phase == "workers", "the rollout to reach the workers");

        var pause = await fleet.CoordinatorAsync("pause", "r1");
        await WaitForStateAsync(fleet, r => r?.State == RolloutStates.Paused, "the rollout to pause");
        var second = await fleet.CoordinatorAsync("rollout", plan, "--plain");
        var doneWhenPaused = Succeeded(fleet);
        var resume = await fleet.CoordinatorAsync("resume", "r1");
        await WaitForStateAsync(fleet, r => r?.State == RolloutStates.Running && Succeeded(fleet) > doneWhenPaused, "the rollout to go on after resume");
        var abort = await fleet.CoordinatorAsync("abort", "r1");

        Assert.True(await coordinator.WaitForExitAsync(TimeSpan.FromMinutes(2)), coordinator.Output);
        Assert.Equal((0, 0, 0), (pause.ExitCode, resume.ExitCode, abort.ExitCode));
        Assert.Equal(4, second.ExitCode);
        Assert.Contains("another coordinator is running", second.Err, StringComparison.Ordinal);
        Assert.Equal(1, coordinator.ExitCode);
        using var journal = new RolloutJournal(fleet.Journal, TimeProvider.System);
        Assert.Equal(RolloutStates.Aborted, journal.Find("r1")!.State);
        Assert.Contains(journal.Nodes("r1"), n => n.State == NodeStates.Pending);
        var afterAbort = await fleet.CoordinatorAsync("rollout", plan, "--plain");
        Assert.Equal(4, afterAbort.ExitCode);
        Assert.Contains("was aborted", afterAbort.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_SmallFleet_ReportSaysEveryNodeSucceeded()
    {
        using var dir = new TempDir();
        var fleetDll = DotnetProcess.ProjectOutput("tests/DemoFleet", "nodeagent-fleet.dll");
        await using var demo = DotnetProcess.Start("nodeagent-coordinator.dll", ["demo", "--nodes", "4", "--control-plane", "1", "--plain", "--dir", dir.Path, "--fleet", fleetDll], project: Coordinator);

        Assert.True(await demo.WaitForExitAsync(TimeSpan.FromMinutes(4)), demo.Output);

        Assert.True(demo.ExitCode == 0, demo.Output);
        var report = Directory.EnumerateFiles(Path.Combine(dir.Path, "reports"), "*.json").Single();
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal("succeeded", json.RootElement.GetProperty("state").GetString());
        Assert.All(json.RootElement.GetProperty("nodeResults").EnumerateArray(), n => Assert.Equal("succeeded", n.GetProperty("result").GetString()));
        Assert.Equal(4, json.RootElement.GetProperty("nodeResults").GetArrayLength());
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "nodes")), "the demo removes its fleet");
    }

    private const string Coordinator = "coordinator/NodeAgent.Coordinator";

    private static int Succeeded(FleetFixture fleet)
    {
        using var journal = new RolloutJournal(fleet.Journal, TimeProvider.System);
        return journal.Nodes("r1").Count(n => n.State == NodeStates.Succeeded);
    }

    private static Task WaitForStateAsync(FleetFixture fleet, Func<RolloutRecord?, bool> condition, string what) =>
        Eventually.TrueAsync(
            () =>
            {
                if (!File.Exists(fleet.Journal))
                {
                    return Task.FromResult(false);
                }

                using var journal = new RolloutJournal(fleet.Journal, TimeProvider.System);
                return Task.FromResult(condition(journal.Find("r1")));
            },
            TimeSpan.FromSeconds(90),
            what);
}
