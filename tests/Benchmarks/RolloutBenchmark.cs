using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Composition;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;
using SimFleet;

namespace Benchmarks;

/// <summary>
/// <c>nodeagent-bench rollout</c>: the real coordinator engine, over real gRPC with mutual TLS, against a simulated
/// fleet of real agents in child processes; then, in the same run, the same upgrade of a small group by our engine
/// and by Ansible. Prints a table and, last, one JSON line.
/// </summary>
internal static class RolloutBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync($"nodeagent-bench: {ex.Message}");
            return 2;
        }

        var date = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        var load = ProcStatus.Load();
        var work = Directory.CreateTempSubdirectory("nodeagent-bench-").FullName;
        // Each simulated node would have its own disk: their state directories go to memory (tmpfs) so that one shared
        // disk's fsyncs do not stand in for a thousand. The coordinator's journal stays on the real disk.
        var fleetDirectory = Directory.Exists("/dev/shm") ? Path.Combine("/dev/shm", Path.GetFileName(work)) : Path.Combine(work, "fleet");
        Directory.CreateDirectory(fleetDirectory);
        var code = await RunAsync(options, date, load, work, fleetDirectory);
        // Only after a clean run: a failed one leaves its logs and journal for a look.
        Directory.Delete(fleetDirectory, recursive: true);
        Directory.Delete(work, recursive: true);
        return code;
    }

    private static async Task<int> RunAsync(BenchOptions options, string date, double load, string work, string fleetDirectory)
    {
        var timings = new SimTimings(options.Seed, options.ServiceTime, options.FailFraction, 0);
        var pki = SimPki.Create(Path.Combine(fleetDirectory, "pki"));
        Say($"starting {options.Nodes + options.AnsibleNodes} agents and {options.AnsibleNodes} agentless hosts (load {load:0.0})");
        var startWatch = Stopwatch.StartNew();
        await using var fleet = await FleetProcesses.StartAsync(fleetDirectory, pki.Directory, options.Nodes + options.AnsibleNodes, options.AnsibleNodes, options.PerProcess, timings);
        var agents = fleet.Agents.OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
        Say($"fleet ready in {startWatch.Elapsed.TotalSeconds:0} s");
        var artifacts = BenchPlan.WriteArtifacts(Path.Combine(work, "artifacts"));
        var planPath = BenchPlan.Write(Path.Combine(work, "plan.yaml"), $"bench-{options.Nodes}", agents.Take(options.Nodes).ToList(), options, pki.Coordinator, artifacts);
        var plan = PlanLoader.Load(planPath);

        var stage = Stopwatch.StartNew();
        await StageAsync(plan);
        var stageS = stage.Elapsed.TotalSeconds;
        Say($"staged on {plan.Inventory.Count} nodes in {stageS:0.0} s; fan-out");
        var fanOut = await FanOut.MeasureAsync(plan, options.FanoutConcurrency);

        using var counter = new GrpcCallCounter();
        var run = await RolloutAsync(plan, planPath, Path.Combine(work, "journal.db"), counter);
        var ideal = CriticalPath.Of(plan, node => NodeTime(node, plan, timings)).Total.TotalSeconds;
        using var pool = new AgentClientPool(plan.Policy.Retries, plan.Tls);
        var applies = await ApplyTimes.ReadAsync(plan, pool, timings);
        var fleetKb = fleet.ResidentKb();

        double? ansibleWall = null;
        double? oursSmall = null;
        if (options.AnsibleNodes > 0)
        {
            var smallPath = BenchPlan.Write(Path.Combine(work, "plan-small.yaml"), $"bench-small-{options.AnsibleNodes}", agents.Skip(options.Nodes).ToList(), options, pki.Coordinator, artifacts);
            var small = PlanLoader.Load(smallPath);
            await StageAsync(small);
            oursSmall = (await RolloutAsync(small, smallPath, Path.Combine(work, "journal-small.db"), counter)).WallS;
            Say($"ours at {options.AnsibleNodes} nodes: {oursSmall:0.0} s; Ansible");
            ansibleWall = await AnsibleBaseline.RunAsync(Path.Combine(work, "ansible"), fleet.AgentlessHosts.ToList(), fleet.Manifests[0].HealthPort, options, artifacts);
        }

        var result = new BenchResult(
            date,
            load,
            options.Nodes,
            options.ServiceTime,
            options.Seed,
            $"canary {options.CanaryPercent}%, soak {options.Soak.TotalSeconds} s, batches of {options.BatchPercent}%",
            run.Succeeded,
            run.Failed,
            Round(stageS),
            Round(run.WallS),
            Round(ideal),
            ideal > 0 ? Math.Round(run.WallS / ideal, 3) : 0,
            run.PhasesS,
            Round(run.CpuMs / options.Nodes),
            Round(run.PeakRssKb / 1024.0),
            Round(fanOut.RssKbPerAgent),
            Round(ApplyTimes.Percentile(applies.ApplyMs, 50)),
            Round(ApplyTimes.Percentile(applies.ApplyMs, 99)),
            Round(ApplyTimes.Percentile(applies.OverheadMs, 50)),
            Round(ApplyTimes.Percentile(applies.OverheadMs, 99)),
            Round(ApplyTimes.Percentile(applies.ServiceMs, 50)),
            Round(ApplyTimes.Percentile(applies.ServiceMs, 99)),
            run.GrpcCalls,
            Round(fanOut.ColdMs),
            Round(fanOut.ColdCpuMs),
            Round(fanOut.WarmMs),
            Round(fleetKb / 1024.0),
            Round(fleetKb / (double)(options.Nodes + options.AnsibleNodes)),
            options.AnsibleNodes,
            ansibleWall is { } a ? Round(a) : null,
            ansibleWall is { } b ? Round(b / options.AnsibleNodes) : null,
            oursSmall is { } c ? Round(c) : null,
            ansibleWall is { } d && oursSmall is { } e ? Round(d / e) : null,
            ansibleWall is { } f ? Round(f / options.AnsibleNodes / (run.WallS / options.Nodes)) : null);
        BenchTable.Print(result);
        Console.WriteLine(JsonSerializer.Serialize(result, BenchJsonContext.Default.BenchResult));
        return run.Failed == 0 ? 0 : 1;
    }

    /// <summary>A node's restart-to-healthy time as drawn: its components one after the other; a broken kubelet costs the health timeout and its rollback.</summary>
    private static TimeSpan NodeTime(PlanNode node, Plan plan, SimTimings timings)
    {
        var total = TimeSpan.Zero;
        foreach (var component in plan.ComponentsOf(node))
        {
            if (timings.Fails(node.Name, component.Name, 1))
            {
                return total + plan.Policy.HealthTimeout + timings.RestartToHealthy(node.Name, component.Name, 2);
            }

            total += timings.RestartToHealthy(node.Name, component.Name, 1);
        }

        return total;
    }

    private static async Task StageAsync(Plan plan)
    {
        using var pool = new AgentClientPool(plan.Policy.Retries, plan.Tls);
        var staged = await new ArtifactDistributor(plan, new GrpcAgentClient(pool, plan.Policy, TimeProvider.System)).StageAllAsync(_ => { }, CancellationToken.None);
        if (staged.FirstOrDefault(s => !s.Ok) is { } failed)
        {
            throw new InvalidOperationException($"staging failed: {failed}");
        }
    }

    private static async Task<RolloutRun> RolloutAsync(Plan plan, string planPath, string journalPath, GrpcCallCounter counter)
    {
        using var journal = new RolloutJournal(journalPath, TimeProvider.System);
        var progress = new RolloutProgress(TimeProvider.System, plan.Inventory.Count);
        var phases = new PhaseClock();
        progress.Line += line =>
        {
            phases.See(line[9..]);
            if (!line[9..].StartsWith("node-", StringComparison.Ordinal) || line.Contains("FAILED", StringComparison.Ordinal))
            {
                Console.Error.WriteLine(line);
            }
        };
        using var pool = new AgentClientPool(plan.Policy.Retries, plan.Tls);
        var calls = new GrpcAgentClient(pool, plan.Policy, TimeProvider.System);
        var owner = journal.NextClaimOwner(plan.Rollout, ClaimOwner.ThisProcess);
        var engine = RolloutComposition.Engine(new RolloutSetup(plan, planPath, calls, journal, progress, [], TimeProvider.System, owner));
        // The peak resident set is the rollout's own (Linux resets VmHWM on "5" to clear_refs).
        await File.WriteAllTextAsync("/proc/self/clear_refs", "5");
        var callsBefore = counter.Calls;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        phases.Start();
        var result = await engine.RunAsync(CancellationToken.None);
        var wall = watch.Elapsed.TotalSeconds;
        var phaseSeconds = phases.Stop();
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        var failed = result.Nodes.Count(n => !NodeStates.IsDone(n.State));
        return new RolloutRun(wall, cpuMs, ProcStatus.OwnKb("VmHWM"), counter.Calls - callsBefore, result.Nodes.Count - failed, failed, phaseSeconds);
    }

    private static double Round(double value) => Math.Round(value, 1);

    private static void Say(string line) => Console.Error.WriteLine($"{TimeProvider.System.GetUtcNow():HH:mm:ss} bench: {line}");
}
