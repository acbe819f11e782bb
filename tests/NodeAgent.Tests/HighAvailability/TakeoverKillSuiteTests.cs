using System.Globalization;
using DemoFleet;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Tests.Cluster;
using NodeAgent.Tests.Coordinator;
using NodeAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NodeAgent.Tests.HighAvailability;

/// <summary>
/// Three coordinators on one rollout with an etcd journal (a real three-member cluster): the leader is killed with
/// SIGKILL, or frozen with SIGSTOP until a standby took over and then woken, at random moments, over and over, each
/// replaced by a fresh standby. Every node is upgraded exactly once, none is skipped, each round holds one
/// Alertmanager silence, expired at the end, each controller is started exactly once, at the end, and never during an apply, and a woken old leader does nothing: the agents refuse its
/// calls by their fencing number.
/// </summary>
[Trait("Category", "HighAvailability")]
public sealed class TakeoverKillSuiteTests(ITestOutputHelper output)
{
    private const int Takeovers = 20;
    private static readonly HttpClient SilenceHttp = new();
    private const int Coordinators = 3;
    private static readonly TimeSpan TakeoverTimeout = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task Rollout_LeaderKilledOrFrozenAtRandomMoments_StandbysFinishItNothingTwiceNoneSkipped()
    {
        await using var etcd = await EtcdCluster.StartAsync();
        using var alertmanager = await AlertmanagerServer.StartAsync();
        var seed = Environment.GetEnvironmentVariable("NODEAGENT_KILL_SEED") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        output.WriteLine($"seed {seed} (NODEAGENT_KILL_SEED={seed} replays the kill moments)");
        var random = new Random(seed);
        var tally = new CoordinatorKillSuiteTests.Tally();
        var takeovers = 0;
        var woken = 0;
        var fenced = 0;
        var controllerStarts = 0;
        for (var round = 1; round == 1 || takeovers < Takeovers; round++)
        {
            // Each round upgrades a fresh fleet: a downgrade needs allow_downgrade, which rollouts do not send.
            await using var fleet = await FleetFixture.StartAsync(nodes: 4, controlPlane: 1, startupDelayMs: 3000, startupDelayMaxMs: 8000);
            var plan = Silenced(ShortClaims(CoordinatorKillSuiteTests.Upgrade(fleet, round)), alertmanager);
            Assert.Equal(NodeAgent.Coordinator.Cli.ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);
            var group = new Group(fleet, etcd.Journal(), plan);
            try
            {
                for (var i = 0; i < Coordinators; i++)
                {
                    group.Add();
                }

                while (await group.LeaderAsync() is { } leader && takeovers < Takeovers)
                {
                    // The random moment is what this test varies; it is not a wait for a condition.
                    if (await leader.WaitForExitAsync(TimeSpan.FromMilliseconds(random.Next(1000, 4000))))
                    {
                        continue;
                    }

                    if (random.Next(4) == 0)
                    {
                        await group.FreezeUntilReplacedAsync(leader);
                        woken++;
                    }
                    else
                    {
                        group.Kill(leader);
                    }

                    takeovers++;
                    group.Add();
                }

                var problems = await group.FinishAsync();
                tally.Problems.AddRange(problems);
                tally.FailedReruns += problems.Count;
            }
            finally
            {
                await group.DisposeAsync();
            }

            await CoordinatorKillSuiteTests.CheckRoundAsync(fleet, $"r{round}", Fleet.TargetVersion, tally);
            controllerStarts += await CheckControllersBackAsync(fleet, $"r{round}", tally);
            await CheckOneSilenceExpiredAsync(alertmanager, $"r{round}", tally);
            fenced += FencingRefusals(fleet);
        }

        output.WriteLine($"takeovers: {takeovers}, applied twice: {tally.AppliedTwice}, skipped: {tally.Skipped}, calls refused by fencing: {fenced}");
        output.WriteLine($"controller starts: {controllerStarts} (one per controller per round, after its stops)");
        output.WriteLine($"frozen leaders woken after a takeover: {woken}");
        Assert.True(tally.Problems.Count == 0, string.Join("\n---\n", tally.Problems));
        Assert.True(takeovers >= Takeovers);
    }

    /// <summary>
    /// A leader frozen mid-rollout until a standby took over and claimed the nodes, then woken: everything it still
    /// tries is refused (its journal writes by etcd, its agent calls by the agents' fencing), and it exits saying so.
    /// </summary>
    [SkippableFact]
    public async Task FrozenLeader_WokenAfterATakeover_ItsCallsAreRefusedByFencing()
    {
        await using var etcd = await EtcdCluster.StartAsync();
        await using var fleet = await FleetFixture.StartAsync(nodes: 3, controlPlane: 1, startupDelayMs: 3000, startupDelayMaxMs: 5000);
        var plan = ShortClaims(CoordinatorKillSuiteTests.Upgrade(fleet, 1));
        Assert.Equal(NodeAgent.Coordinator.Cli.ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);
        var before = FencingRefusals(fleet);
        var group = new Group(fleet, etcd.Journal(), plan);
        try
        {
            group.Add();
            group.Add();
            var first = (await group.LeaderAsync())!;
            await Eventually.TrueAsync(() => Task.FromResult(first.Output.Contains("node(s) claimed with fencing number", StringComparison.Ordinal)), TakeoverTimeout, "the leader to start on the nodes");

            var exit = await group.FreezeUntilReplacedAsync(first);

            Assert.True(exit == NodeAgent.Coordinator.Cli.ExitCodes.Refused, $"the woken leader exited {exit}:\n{first.Output}");
            Assert.Contains("no longer the leader", first.Output, StringComparison.Ordinal);
            var problems = await group.FinishAsync();
            Assert.True(problems.Count == 0, string.Join("\n---\n", problems));
        }
        finally
        {
            await group.DisposeAsync();
        }

        var tally = new CoordinatorKillSuiteTests.Tally();
        await CoordinatorKillSuiteTests.CheckRoundAsync(fleet, "r1", Fleet.TargetVersion, tally);
        Assert.True(tally.Problems.Count == 0, string.Join("\n---\n", tally.Problems));
        var refused = FencingRefusals(fleet) - before;
        output.WriteLine($"calls of the woken leader refused by fencing: {refused}");
        Assert.True(refused > 0, "no call of the woken leader reached an agent to be refused");
    }

    /// <summary>The rollout holds an Alertmanager silence over its window (the real server from Debian's package).</summary>
    private static string Silenced(string plan, ServerProcess alertmanager)
    {
        var text = File.ReadAllText(plan)
            .Replace("[preflight, backup, controllers,", "[preflight, backup, silence, controllers,", StringComparison.Ordinal)
            .Replace("cluster:\n", $"cluster:\n  alertmanager:\n    url: {alertmanager.Url}\n    matchers: [{{ name: cluster, value: prod }}]\n    duration: 1h\n", StringComparison.Ordinal);
        File.WriteAllText(plan, text);
        return plan;
    }

    /// <summary>
    /// One silence for the round's rollout, however many leaders took over (each adopts the one its predecessor
    /// created), and it is expired at the end.
    /// </summary>
    private static async Task CheckOneSilenceExpiredAsync(ServerProcess alertmanager, string rollout, CoordinatorKillSuiteTests.Tally tally)
    {
        var any = new SilenceOptions(alertmanager.Url, [new SilenceMatcher("cluster", "prod")], TimeSpan.FromHours(1), "nodeagent-coordinator", "any");
        var silences = (await new AlertSilences(SilenceHttp, any, TimeProvider.System).ListAsync(CancellationToken.None))
            .Where(x => x.Comment == $"NodeAgent rollout {rollout} to {Fleet.TargetVersion}")
            .ToList();
        if (silences.Count != 1 || silences[0].State != "expired")
        {
            tally.Problems.Add($"{rollout}: expected one expired silence, Alertmanager holds {string.Join(", ", silences.Select(x => $"{x.Id} ({x.State})"))}");
        }
    }

    /// <summary>Claims renewed every 2 s, so that a woken leader's first act toward the agents comes at once.</summary>
    private static string ShortClaims(string plan)
    {
        File.WriteAllText(plan, File.ReadAllText(plan).Replace("  retries: 1\n", "  retries: 1\n  claimTtl: 6s\n", StringComparison.Ordinal));
        return plan;
    }

    /// <summary>Mutating calls the agents refused because a newer leader's fencing number had been seen, from their audit trails.</summary>
    private static int FencingRefusals(FleetFixture fleet) =>
        fleet.Nodes.Sum(node =>
        {
            var audit = Path.Combine(fleet.Fleet.Directory, "nodes", node.Name, "state", "audit");
            return Directory.Exists(audit)
                ? Directory.EnumerateFiles(audit, "*.jsonl*").Sum(f => File.ReadLines(f).Count(l => l.Contains("is lower than", StringComparison.Ordinal)))
                : 0;
        });

    /// <summary>
    /// The controllers are undone exactly once: on each control-plane node every controller has exactly one start in
    /// the rollout, after all its stops, however many leaders took over (a run that takes over asks the agent what
    /// the rollout already did; none overlaps an apply, which <see cref="CoordinatorKillSuiteTests.CheckRoundAsync"/>
    /// checks). Returns the number of starts.
    /// </summary>
    private static async Task<int> CheckControllersBackAsync(FleetFixture fleet, string rollout, CoordinatorKillSuiteTests.Tally tally)
    {
        var starts = 0;
        foreach (var node in fleet.Nodes.Where(n => n.Role == "control-plane"))
        {
            var ops = (await FleetFixture.OperationsAsync(node))
                .Where(o => OperationIds.BelongsTo(rollout, o.OperationId) && o.Kind is OperationKind.Start or OperationKind.Stop && o.State == OperationState.Succeeded)
                .OrderBy(o => o.CreatedAt.ToDateTimeOffset())
                .ToList();
            foreach (var component in new[] { "kube-controller-manager", "kube-scheduler" })
            {
                var kinds = ops.Where(o => o.Component == component).Select(o => o.Kind).ToList();
                var started = kinds.Count(k => k == OperationKind.Start);
                starts += started;
                if (started != 1 || kinds[^1] != OperationKind.Start)
                {
                    tally.Problems.Add($"{rollout}: {node.Name} {component} was not started exactly once, at the end: its stops and starts were {string.Join(", ", kinds)}");
                }
            }
        }

        return starts;
    }
}
