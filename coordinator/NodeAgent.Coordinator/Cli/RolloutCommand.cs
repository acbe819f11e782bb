using System.CommandLine;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Composition;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Logging;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;
using NodeAgent.Coordinator.Reports;
using NodeAgent.CommandLine;
using Prometheus;

namespace NodeAgent.Coordinator.Cli;

/// <summary><c>nodeagent-coordinator rollout PLAN</c>: runs (or resumes) the rollout and writes its report.</summary>
internal static class RolloutCommand
{
    public static Command Build(CliOptions options)
    {
        var planArgument = CliOptions.PlanArgument();
        var reports = new Option<string?>("--report-dir") { Description = "Where to write <rollout>.json and <rollout>.txt (default: beside the journal; with etcd, /var/lib/nodeagent-coordinator/reports)" };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Serve Prometheus metrics on this port while the rollout runs (0: off)" };
        var metricsHost = new Option<string>("--metrics-host") { Description = "Address the metrics listen on ('+' for every interface)", DefaultValueFactory = _ => "127.0.0.1" };
        var plain = new Option<bool>("--plain") { Description = "Plain lines instead of the live view (the default when not on a terminal)" };
        var fixLabels = new Option<bool>("--fix-labels") { Description = "Let the preflight add node labels that pods select on and their node lacks (as cluster.preflight.fixLabels)" };
        var standby = new Option<bool>("--standby") { Description = "With an etcd journal: wait as a standby while another coordinator leads this rollout, and take it over when its lease lapses" };
        var logFormat = new Option<LogFormat>("--log-format") { Description = "text: timestamped lines (or the live view on a terminal); json: one JSON object per line on stderr, with the event's id and fields (RolloutId, Node, Component, OperationId)", DefaultValueFactory = _ => LogFormat.Text };
        var leaseTtl = DurationOption.Create("--lease-ttl", "With an etcd journal: the leader's lease (default 10s, 2s to 5m); a standby takes over this long after the leader stops answering");
        var command = new Command("rollout", "Run the rollout: preflight, backup, silence, controllers, canary, control plane, workers in batches, label pods, verify; resumes an interrupted one.\n\nExample:\n  nodeagent-coordinator rollout plan.yaml --journal ./journal.db --plain")
        {
            planArgument, reports, metricsPort, metricsHost, plain, logFormat, fixLabels, standby, leaseTtl,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var plan = CliOptions.LoadPlan(parse, planArgument);
            // Before the window and before any agent is called: every source file must hash to its declared digest.
            var sources = await SourceDigests.CheckAsync(plan, cancellationToken);
            if (sources.Count > 0)
            {
                throw new CliFailure(sources.Count == 1 ? sources[0] : $"{sources.Count} artifact sources do not match the plan", ExitCodes.InvalidPlan, "correct the plan's sha256 and size, or the files", sources.Count == 1 ? null : sources);
            }

            var error = TextWriter.Synchronized(parse.InvocationConfiguration.Error);
            var log = parse.GetValue(logFormat) == LogFormat.Json ? RolloutComposition.Log(plan.Rollout, error, TimeProvider.System) : null;
            Action<string> say = log is null ? line => error.WriteLine($"nodeagent-coordinator: {line}") : log.Say;
            await using var session = await JournalSession.OpenAsync(options, parse, plan.Rollout, parse.GetValue(standby), LeaseTtl(parse.GetValue(leaseTtl)), say, cancellationToken);
            if (session.EndedBefore(plan.Rollout) is { } ended)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync($"rollout {plan.Rollout} already ended ({ended.State}: {ended.Message}) under an earlier leader; nothing to take over");
                return ended.State == RolloutStates.Succeeded ? ExitCodes.Ok : ExitCodes.RolloutFailed;
            }

            var journal = session.Journal;
            using var leadershipOrCtrlC = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, session.Lost);
            using var agents = AgentAccess.Open(plan, operationExtra: plan.Cluster.Gates.ConnectionSoak + TimeSpan.FromMinutes(1));
            var progress = new RolloutProgress(TimeProvider.System, plan.Inventory.Count);
            using var server = parse.GetValue(metricsPort) is > 0 and var port ? new MetricServer(parse.GetValue(metricsHost)!, port, registry: progress.Registry).Start() : null;
            using var kube = plan.Cluster.Kubernetes is { } access ? KubeCluster.Connect(access) : null;
            using var http = new HttpClient { Timeout = plan.Policy.CallTimeout };
            var owner = journal.NextClaimOwner(plan.Rollout, ClaimOwner.ThisProcess);
            var observer = RolloutComposition.Observer(progress, log);
            using var hooks = RolloutComposition.Hooks(plan, agents.Client, journal, observer, owner, http, TimeProvider.System);
            var cluster = kube is null ? null : new ClusterAccess(kube, parse.GetValue(fixLabels) || plan.Cluster.Preflight.FixLabels);
            var engine = RolloutComposition.Engine(new RolloutSetup(plan, parse.GetValue(planArgument)!, agents.Client, journal, observer, hooks.All, TimeProvider.System, owner, cluster));
            var live = log is null && !parse.GetValue(plain) && !options.Machine(parse) && !Console.IsOutputRedirected && parse.InvocationConfiguration.Output == Console.Out;
            RolloutResult result;
            try
            {
                result = await ProgressView.RunAsync(progress, plan.Policy.MaxConcurrency, live, log is null ? error : TextWriter.Null, () => engine.RunAsync(leadershipOrCtrlC.Token));
            }
            catch (OperationCanceledException) when (session.Lost.IsCancellationRequested)
            {
                throw new CliFailure($"lost the leadership of rollout {plan.Rollout}; a standby carries it on", ExitCodes.Refused);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Action<string> interrupted = log is null ? say : log.Interrupted;
                interrupted($"interrupted; nodes in flight finish in their agents; run rollout again to resume {plan.Rollout}");
                if (hooks.All.Count > 0)
                {
                    interrupted($"the cluster steps were left as they are ({string.Join(", ", hooks.All.Select(h => h.Name))}): to give up instead, run abort {plan.Rollout} and then rollout once more, which starts the controllers and expires the silence");
                }

                return ExitCodes.RolloutFailed;
            }

            var report = RolloutReport.From(result);
            var directory = parse.GetValue(reports) ?? Path.Combine(Path.GetDirectoryName(options.EtcdJournal(parse) is null ? options.JournalPath(parse) : CliOptions.DefaultJournal)!, "reports");
            var written = report.Write(directory);
            if (options.Machine(parse))
            {
                ResultWriter.Write(parse.InvocationConfiguration.Output, options.Format(parse), System.Text.Json.Nodes.JsonNode.Parse(report.ToJson()));
            }
            else
            {
                await parse.InvocationConfiguration.Output.WriteAsync(report.ToText());
                await parse.InvocationConfiguration.Output.WriteLineAsync($"report: {written} (and .json)");
            }

            return result.Succeeded ? ExitCodes.Ok : ExitCodes.RolloutFailed;
        });
        return command;
    }

    private static TimeSpan LeaseTtl(TimeSpan? given) => given switch
    {
        null => TimeSpan.FromSeconds(10),
        { } ttl when ttl >= TimeSpan.FromSeconds(2) && ttl <= TimeSpan.FromMinutes(5) => ttl,
        { } ttl => throw new CliFailure($"--lease-ttl {NodeAgent.Contracts.Text.DurationText.Format(ttl)} is out of range", ExitCodes.InvalidPlan, "give 2s to 5m: shorter lets a standby take over sooner, longer rides out slower networks"),
    };
}
