using System.Diagnostics;
using System.Globalization;
using DemoFleet;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Composition;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;

// nodeagent-bench rollout ...: see RolloutBenchmark (the scale benchmark on a simulated fleet, with the Ansible baseline).
// nodeagent-bench [--nodes N] [--concurrency C]: starts a fleet, then measures in the same run
//   baseline: one sequential GetInfo sweep over every agent (the cost of talking to the fleet at all);
//   stage:    pre-distributing the artifacts to every node;
//   rollout:  the whole rollout (canary, control plane, batches, verify) at the given concurrency.
// Shared, noisy machines make absolute times meaningless; the ratios against the baseline are what to compare.
if (!OperatingSystem.IsLinux())
{
    return 2;
}

if (args.Length > 0 && args[0] == "rollout")
{
    return await Benchmarks.RolloutBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "distribution")
{
    return await Benchmarks.DistributionBenchmark.RunAsync(args[1..]);
}

var nodes = Arg("--nodes", 16);
var concurrency = Arg("--concurrency", 8);
var dir = Directory.CreateTempSubdirectory("nodeagent-bench-").FullName;
try
{
    await using var fleet = await Fleet.StartAsync(Path.Combine(dir, "fleet"), nodes, controlPlane: Math.Max(1, nodes / 8), startupDelayMs: 100);
    var planPath = Path.Combine(dir, "plan.yaml");
    await File.WriteAllTextAsync(planPath, Plan(fleet.Manifest, concurrency));
    var plan = PlanLoader.Load(planPath);
    using var pool = new AgentClientPool(plan.Policy.Retries, plan.Tls);
    var calls = new GrpcAgentClient(pool, plan.Policy, TimeProvider.System);

    var baselines = new List<double>();
    for (var i = 0; i < 5; i++)
    {
        var sweep = Stopwatch.StartNew();
        foreach (var node in plan.Inventory)
        {
            var info = await calls.InfoAsync(node, probe: false, CancellationToken.None);
            if (!info.Ok)
            {
                throw new InvalidOperationException(info.Error);
            }
        }

        baselines.Add(sweep.Elapsed.TotalMilliseconds);
    }

    var baseline = baselines.Order().ElementAt(baselines.Count / 2);
    var stage = Stopwatch.StartNew();
    var staged = await new ArtifactDistributor(plan, calls).StageAllAsync(_ => { }, CancellationToken.None);
    var stageMs = stage.Elapsed.TotalMilliseconds;
    if (staged.Any(s => !s.Ok))
    {
        throw new InvalidOperationException("staging failed");
    }

    using var journal = new RolloutJournal(Path.Combine(dir, "journal.db"), TimeProvider.System);
    var progress = new RolloutProgress(TimeProvider.System, plan.Inventory.Count);
    var rollout = Stopwatch.StartNew();
    var owner = journal.NextClaimOwner(plan.Rollout, ClaimOwner.ThisProcess);
    var result = await RolloutComposition.Engine(new RolloutSetup(plan, planPath, calls, journal, progress, [], TimeProvider.System, owner)).RunAsync(CancellationToken.None);
    var rolloutMs = rollout.Elapsed.TotalMilliseconds;
    if (!result.Succeeded)
    {
        throw new InvalidOperationException($"rollout failed: {result.Rollout.Message}");
    }

    var restarts = result.Nodes.Sum(n => n.Restarts);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"nodes {nodes}, concurrency {concurrency}, service restarts {restarts}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"baseline (sequential GetInfo sweep, median of 5): {baseline:0} ms = 1.00"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stage every node:                                 {stageMs:0} ms = {stageMs / baseline:0.0} x baseline"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"whole rollout:                                    {rolloutMs:0} ms = {rolloutMs / baseline:0.0} x baseline"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rollout wall time per node:                       {rolloutMs / nodes:0} ms"));
    return 0;
}
finally
{
    Directory.Delete(dir, recursive: true);
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static string Plan(FleetManifest fleet, int concurrency)
{
    var lines = new List<string> { "rollout: bench", $"targetVersion: {fleet.TargetVersion}", "artifacts:" };
    lines.AddRange(fleet.Artifacts.Select(a => $"  - {{ name: {a.Name}, sha256: {a.Sha256}, size: {a.Size}, source: {a.Path} }}"));
    lines.Add("components:");
    lines.Add("  control-plane:");
    lines.AddRange("kube-apiserver kubelet kube-proxy".Split(' ').Select(c => $"    - {{ name: {c}, files: {{ binary: {c}-{fleet.TargetVersion} }} }}"));
    lines.Add("  worker:");
    lines.AddRange("kubelet kube-proxy".Split(' ').Select(c => $"    - {{ name: {c}, files: {{ binary: {c}-{fleet.TargetVersion} }} }}"));
    lines.Add("inventory:");
    lines.AddRange(fleet.Nodes.Select(n => $"  - {{ name: {n.Name}, role: {n.Role}, address: \"{n.Address}\" }}"));
    lines.Add($"policy: {{ canary: {{ count: 1 }}, batchSize: 25%, maxConcurrency: {concurrency}, healthTimeout: 60s }}");
    return string.Join('\n', lines) + "\n";
}
