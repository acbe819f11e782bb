using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NodeAgent.Client.Concurrency;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Coordinator.Composition;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;
using NodeAgent.Coordinator.Reports;

namespace NodeAgent.Coordinator.Demo;

/// <summary>
/// <c>nodeagent-coordinator demo</c>: starts a local fleet (nodeagent-fleet: real agents with stand-in services),
/// writes a plan for it, and runs the real engine end to end: stage, canary, control plane, worker batches,
/// verify, report. Stops the fleet and removes its node directories at the end.
/// </summary>
internal static class DemoCommand
{
    private static readonly string[] FleetDirectories = ["nodes", "artifacts"];

    public static Command Build()
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes in the fleet", DefaultValueFactory = _ => 24 };
        var controlPlane = new Option<int>("--control-plane") { Description = "How many of them are control-plane nodes", DefaultValueFactory = _ => 3 };
        var fleet = new Option<string?>("--fleet") { Description = "Path to nodeagent-fleet.dll (default: $NODEAGENT_FLEET)" };
        var dir = new Option<string?>("--dir") { Description = "Working directory (default: a new temp directory); plan, journal and report stay there" };
        var plain = new Option<bool>("--plain") { Description = "Plain progress lines instead of the live view" };
        var command = new Command("demo", "Run a whole rollout on a simulated local fleet") { nodes, controlPlane, fleet, dir, plain };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var fleetDll = parse.GetValue(fleet) ?? Environment.GetEnvironmentVariable("NODEAGENT_FLEET");
            if (fleetDll is null || !File.Exists(fleetDll))
            {
                await error.WriteLineAsync("nodeagent-coordinator demo: pass --fleet PATH/nodeagent-fleet.dll (or set NODEAGENT_FLEET); scripts/demo.sh does this for you");
                return ExitCodes.InvalidPlan;
            }

            var work = Path.GetFullPath(parse.GetValue(dir) ?? Directory.CreateTempSubdirectory("nodeagent-demo-").FullName);
            Directory.CreateDirectory(work);
            try
            {
                RemoveFleet(work);
            }
            catch (CoordinatorException ex)
            {
                await error.WriteLineAsync($"nodeagent-coordinator demo: {ex.Message}");
                return ExitCodes.Refused;
            }

            var (count, cp) = (parse.GetValue(nodes), parse.GetValue(controlPlane));
            await error.WriteLineAsync($"demo: starting a fleet of {count} node(s) ({cp} control-plane) in {work} (agents' log: fleet.log)");
            using var fleetProcess = StartFleet(fleetDll, work, count, cp);
            try
            {
                var manifest = await WaitForManifestAsync(fleetProcess, Path.Combine(work, "fleet.json"), cancellationToken);
                var planPath = Path.Combine(work, "plan.yaml");
                await File.WriteAllTextAsync(planPath, PlanYaml(manifest, count), cancellationToken);
                await error.WriteLineAsync($"demo: plan written to {planPath}");
                return await RunAsync(parse, planPath, work, !parse.GetValue(plain) && !Console.IsErrorRedirected, cancellationToken);
            }
            finally
            {
                await StopFleetAsync(fleetProcess);
                RemoveFleet(work);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, string planPath, string work, bool live, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var plan = PlanLoader.Load(planPath);
        using var agents = AgentAccess.Open(plan);
        await error.WriteLineAsync("demo: staging the artifacts on every node (before the window)");
        if (await StageCommand.RunAsync(new ArtifactDistributor(plan, agents.Client), error, error, cancellationToken) != ExitCodes.Ok)
        {
            return ExitCodes.NodesFailed;
        }

        using var journal = new RolloutJournal(Path.Combine(work, "journal.db"), TimeProvider.System);
        var progress = new RolloutProgress(TimeProvider.System, plan.Inventory.Count);
        // The simulated fleet has no Kubernetes API, etcd or Alertmanager: of the cluster steps the demo shows the
        // controllers stopped on the control-plane nodes for the window and started again after it.
        var owner = journal.NextClaimOwner(plan.Rollout, ClaimOwner.ThisProcess);
        using var http = new HttpClient();
        using var hooks = RolloutComposition.Hooks(plan, agents.Client, journal, progress, owner, http, TimeProvider.System);
        var engine = RolloutComposition.Engine(new RolloutSetup(plan, planPath, agents.Client, journal, progress, hooks.All, TimeProvider.System, owner));
        var result = await ProgressView.RunAsync(progress, plan.Policy.MaxConcurrency, live, error, () => engine.RunAsync(cancellationToken));
        var report = RolloutReport.From(result);
        var written = report.Write(Path.Combine(work, "reports"));
        await output.WriteAsync(report.ToText());
        await output.WriteLineAsync($"report: {written} (and .json); journal: {Path.Combine(work, "journal.db")}");
        return result.Succeeded ? ExitCodes.Ok : ExitCodes.RolloutFailed;
    }

    /// <summary>
    /// The fleet's node directories, artifacts and manifest, from this run or one that was interrupted; only in a
    /// directory the demo made its own (marked), never in someone's existing folders.
    /// </summary>
    private static void RemoveFleet(string work)
    {
        var marker = Path.Combine(work, ".nodeagent-demo");
        if (!File.Exists(marker))
        {
            if (FleetDirectories.Any(s => Directory.Exists(Path.Combine(work, s))))
            {
                throw new CoordinatorException($"{work} already has nodes/ or artifacts/ that the demo did not create; choose another --dir");
            }

            File.WriteAllText(marker, "created by nodeagent-coordinator demo\n");
        }

        foreach (var sub in FleetDirectories.Select(s => Path.Combine(work, s)).Where(Directory.Exists))
        {
            Directory.Delete(sub, recursive: true);
        }

        File.Delete(Path.Combine(work, "fleet.json"));
    }

    private static Process StartFleet(string fleetDll, string work, int nodes, int controlPlane)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { fleetDll, "--dir", work, "--nodes", nodes.ToString(CultureInfo.InvariantCulture), "--control-plane", controlPlane.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new CoordinatorException("could not start the fleet");
        var log = new StreamWriter(Path.Combine(work, "fleet.log")) { AutoFlush = true };
        DataReceivedEventHandler append = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.WriteLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<JsonDocument> WaitForManifestAsync(Process fleet, string path, CancellationToken cancellationToken)
    {
        var up = await Poll.UntilAsync(() => File.Exists(path) || fleet.HasExited, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(5), TimeProvider.System, cancellationToken);
        if (!up || !File.Exists(path))
        {
            throw new CoordinatorException($"the fleet did not come up (exit code {(fleet.HasExited ? fleet.ExitCode : -1)})");
        }

        return JsonDocument.Parse(await File.ReadAllTextAsync(path, cancellationToken));
    }

    private static async Task StopFleetAsync(Process fleet)
    {
        if (!fleet.HasExited)
        {
            fleet.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await fleet.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                fleet.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>A plan for the fleet: canary one control-plane node, then the control plane, then workers in quarters; controllers stopped meanwhile.</summary>
    private static string PlanYaml(JsonDocument manifest, int nodes)
    {
        var root = manifest.RootElement;
        var yaml = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"rollout: demo-{TimeProvider.System.GetUtcNow():yyyyMMdd-HHmmss}\n")
            .Append(CultureInfo.InvariantCulture, $"targetVersion: {root.GetProperty("targetVersion").GetString()}\n")
            .Append("artifacts:\n");
        foreach (var artifact in root.GetProperty("artifacts").EnumerateArray())
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{ name: {artifact.GetProperty("name").GetString()}, sha256: {artifact.GetProperty("sha256").GetString()}, size: {artifact.GetProperty("size").GetInt64()}, source: {artifact.GetProperty("path").GetString()} }}\n");
        }

        var target = root.GetProperty("targetVersion").GetString();
        yaml.Append(CultureInfo.InvariantCulture, $$"""
            components:
              control-plane:
                - { name: kube-apiserver, files: { binary: kube-apiserver-{{target}} } }
                - { name: kubelet, files: { binary: kubelet-{{target}} }, marker: true }
                - { name: kube-proxy, files: { binary: kube-proxy-{{target}} } }
              worker:
                - { name: kubelet, files: { binary: kubelet-{{target}} }, marker: true }
                - { name: kube-proxy, files: { binary: kube-proxy-{{target}} } }
            inventory:

            """);
        foreach (var node in root.GetProperty("nodes").EnumerateArray())
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{ name: {node.GetProperty("name").GetString()}, role: {node.GetProperty("role").GetString()}, address: \"{node.GetProperty("address").GetString()}\" }}\n");
        }

        yaml.Append(CultureInfo.InvariantCulture, $$"""
            policy:
              canary: { count: 1 }
              batchSize: 25%
              maxConcurrency: {{Math.Min(16, Math.Max(2, nodes / 4))}}
              failureThreshold: { perBatch: 0, total: 0 }
              soak: { afterCanary: 2s, betweenBatches: 0s }
              healthTimeout: 60s
              callTimeout: 30s
            cluster:
              controllers: [kube-controller-manager, kube-scheduler]

            """);
        return yaml.ToString();
    }
}
