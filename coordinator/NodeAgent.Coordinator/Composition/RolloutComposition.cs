using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Engine.Procedure;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Logging;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;

namespace NodeAgent.Coordinator.Composition;

/// <summary>
/// The coordinator's composition root: every collaborator of a rollout is made here, once, from a
/// <see cref="RolloutSetup"/>; the rollout and demo commands, the benchmarks and the engine tests all build their engine
/// through it. Written by hand rather than with a container: a rollout's parts depend on values known only once the
/// plan is loaded and the journal open (the claim owner, which hooks the plan asks for), and the command starts
/// nothing it does not use.
/// </summary>
internal static class RolloutComposition
{
    public static RolloutEngine Engine(RolloutSetup setup)
    {
        var (plan, planPath, agents, journal, observer, hooks, time, owner, cluster) = setup;
        var control = new RolloutControl(plan.Rollout, journal, observer, time);
        var steps = new HookSteps(hooks, observer);
        var claims = new ClaimKeeper(plan, agents, owner, journal, observer, time);
        var verifier = new Verifier(plan, agents, cluster?.Kube, node => NodeChecks.Read(journal, plan.Rollout, node));
        var upgrader = new NodeUpgrader(plan, agents, journal, observer, time, owner, verifier);
        NodeBatch upgrade = new BatchUpgrade(plan, control, claims, upgrader).RunAsync;
        var phases = new RolloutPhases(
            new PreflightPhase(plan, journal, observer, new Preflight(plan, agents), cluster is null ? null : new PlacementPreflight(plan, cluster.Kube, journal, observer), cluster?.FixLabels ?? false),
            new BackupPhase(new NodeBackups(plan, agents, journal, observer, owner), plan.Cluster.Etcd is { } etcd ? new EtcdBackupStep(plan.Rollout, etcd, journal, observer, time) : null),
            new CanaryPhase(plan, journal, observer, control, steps, upgrade, upgrader, verifier),
            new FailureBudget(plan.Policy.FailuresPerBatch, plan.Policy.FailuresTotal, plan.Inventory.Count),
            new ControlPlanePhase(plan, upgrade, steps.AfterControlPlaneNodeAsync),
            new WorkersPhase(plan, journal, observer, control, upgrade),
            cluster is null ? null : new TolerationRefresh(plan, cluster.Kube, journal, observer),
            new VerifyPhase(plan, journal, verifier));
        return new RolloutEngine(plan, planPath, journal, observer, claims, new Reconciler(plan, agents, journal, observer), steps, phases);
    }

    /// <summary>
    /// Who watches a rollout: the progress (live view, plain lines, metrics) and, with <c>--log-format json</c>, the
    /// structured log.
    /// </summary>
    public static IRolloutObserver Observer(RolloutProgress progress, RolloutLog? log) =>
        log is null ? progress : new ObserverSet([progress, log]);

    /// <summary>The structured log of a rollout, as JSON lines on <paramref name="error"/>.</summary>
    public static RolloutLog Log(string rollout, TextWriter error, TimeProvider time) =>
        new(new JsonLineLoggerProvider(error, time).CreateLogger(RolloutLog.Category), rollout);

    /// <summary>
    /// The cluster hooks the plan asks for, in the order they act before the window: the alert silence (with a
    /// <c>cluster.silence</c> section), then the controllers (with a cluster section); each only when its phase runs.
    /// </summary>
    public static ClusterHooks Hooks(Plan plan, IAgentClient agents, IRolloutJournal journal, IRolloutObserver observer, ClaimOwner owner, HttpClient http, TimeProvider time)
    {
        var hooks = new List<IRolloutHook>();
        if (plan.Cluster.Silence is { } alerts && plan.Runs(Phases.Silence))
        {
            hooks.Add(new SilenceHook(plan, alerts, http, journal, observer, time));
        }

        if (plan.ClusterSection is not null && plan.Runs(Phases.Controllers))
        {
            hooks.Add(new ControllersHook(plan, agents, journal, observer, owner));
        }

        return new ClusterHooks(hooks);
    }
}
