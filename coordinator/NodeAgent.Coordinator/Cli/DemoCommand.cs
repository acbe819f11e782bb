using System.CommandLine;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Composition;
using NodeAgent.Coordinator.Demo;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;
using NodeAgent.Coordinator.Reports;

namespace NodeAgent.Coordinator.Cli;

/// <summary>
/// <c>nodeagent-coordinator demo</c>: starts a local fleet (nodeagent-fleet: real agents with stand-in services),
/// writes a plan for it, and runs the real engine end to end: stage, canary, control plane, worker batches,
/// verify, report. Stops the fleet and removes its node directories at the end.
/// </summary>
internal static class DemoCommand
{
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
                DemoFleet.RemoveFleet(work);
            }
            catch (CoordinatorException ex)
            {
                await error.WriteLineAsync($"nodeagent-coordinator demo: {ex.Message}");
                return ExitCodes.Refused;
            }

            var (count, cp) = (parse.GetValue(nodes), parse.GetValue(controlPlane));
            await error.WriteLineAsync($"demo: starting a fleet of {count} node(s) ({cp} control-plane) in {work} (agents' log: fleet.log)");
            using var fleetProcess = DemoFleet.StartFleet(fleetDll, work, count, cp);
            try
            {
                var manifest = await DemoFleet.WaitForManifestAsync(fleetProcess, Path.Combine(work, "fleet.json"), cancellationToken);
                var planPath = Path.Combine(work, "plan.yaml");
                await File.WriteAllTextAsync(planPath, DemoFleet.PlanYaml(manifest, count), cancellationToken);
                await error.WriteLineAsync($"demo: plan written to {planPath}");
                return await RunAsync(parse, planPath, work, !parse.GetValue(plain) && !Console.IsErrorRedirected, cancellationToken);
            }
            finally
            {
                await DemoFleet.StopFleetAsync(fleetProcess);
                DemoFleet.RemoveFleet(work);
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
}
