using Google.Protobuf.WellKnownTypes;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// Stops kube-controller-manager and kube-scheduler (the plan's list) through the agents on the control-plane
/// nodes before the window, so that no node controller marks nodes NotReady and evicts pods while kubelets restart;
/// stops them again after each control-plane node's upgrade if the upgrade started them (an apply restarts what it
/// upgrades); starts them again after the nodes are done, or when the rollout stops early. The intent to stop is
/// journaled before the first stop is sent, so that a rollout that fails half way through stopping still starts them
/// again. Only components an agent's catalog has are touched, and the report says so when that is none (static pods).
/// Before each stop or start the agent is asked for the component's newest operation: one that already did this
/// (a previous run's or a replaced leader's) is taken as done, one of this rollout still running is followed, so
/// across crashes and takeovers each controller is stopped once for the window and started once at its end.
/// Operation ids carry the run number and the step, so an undo is never answered with an earlier failed start.
/// </summary>
internal sealed class ControllersHook(Plan plan, IAgentClient calls, IRolloutJournal journal, IRolloutObserver progress, ClaimOwner owner) : IRolloutHook
{
    public const string FactStopped = "controllers-stopped";
    public const string FactStarted = "controllers-started";
    private int _restops;
    private bool _started;

    public string Name => "controllers";

    public Task BeforeWindowAsync(CancellationToken cancellationToken) => StopAsync("stop", cancellationToken);

    public Task AfterControlPlaneNodeAsync(CancellationToken cancellationToken) => StopAsync($"stop-again-{++_restops}", cancellationToken);

    public async Task AfterNodesAsync(CancellationToken cancellationToken)
    {
        await StartAsync("start", "started again after the nodes were done", ControlPlane(), cancellationToken);
        _started = true;
    }

    public async Task OnStopAsync(IReadOnlySet<string> claimed, CancellationToken cancellationToken)
    {
        if (_started || journal.Fact(plan.Rollout, "", FactStopped) is null)
        {
            return;
        }

        var held = ControlPlane().Where(n => claimed.Contains(n.Name)).ToList();
        var notHeld = ControlPlane().Where(n => !claimed.Contains(n.Name)).Select(n => n.Name).ToList();
        if (notHeld.Count > 0)
        {
            journal.AddEvent(plan.Rollout, $"controllers: not started on {string.Join(", ", notHeld)}: this run does not hold the node's claim");
        }

        await StartAsync("start-undo", "started again after the rollout stopped early", held, cancellationToken);
    }

    private async Task StopAsync(string action, CancellationToken cancellationToken)
    {
        journal.SetFact(plan.Rollout, "", FactStopped, $"stopping {string.Join(", ", plan.Cluster.Controllers)} on the control-plane nodes");
        var (acted, problems) = await ActAsync(action, ControlPlane(), cancellationToken);
        if (problems.Count > 0)
        {
            throw new CoordinatorException($"could not stop the controllers: {string.Join("; ", problems)}");
        }

        var summary = acted.Count > 0
            ? $"stopped for the window: {string.Join(", ", acted)}"
            : $"NOTHING STOPPED: no control-plane agent has {string.Join(" or ", plan.Cluster.Controllers)} in its catalog (static pods or a managed control plane?); node controllers keep running during the window";
        journal.SetFact(plan.Rollout, "", FactStopped, summary);
        progress.Say($"controllers: {summary}");
    }

    private async Task StartAsync(string action, string what, IReadOnlyList<PlanNode> nodes, CancellationToken cancellationToken)
    {
        var (acted, problems) = await ActAsync(action, nodes, cancellationToken);
        var summary = problems.Count == 0
            ? $"{what}: {(acted.Count > 0 ? string.Join(", ", acted) : "nothing to start")}"
            : $"NOT all {what}, start them by hand: {string.Join("; ", problems)}";
        journal.SetFact(plan.Rollout, "", FactStarted, summary);
        progress.Say($"controllers: {summary}");
        if (problems.Count > 0)
        {
            throw new CoordinatorException($"controllers could not be started again; start them by hand: {string.Join("; ", problems)}");
        }
    }

    private List<PlanNode> ControlPlane() => plan.Inventory.Where(n => n.Role == Roles.ControlPlane).ToList();

    /// <summary>Stops or starts every listed controller in each control-plane agent's catalog; returns what was done and what failed.</summary>
    private async Task<(List<string> Acted, List<string> Problems)> ActAsync(string action, IReadOnlyList<PlanNode> nodes, CancellationToken cancellationToken)
    {
        var acted = new List<string>();
        var problems = new List<string>();
        var run = journal.Runs(plan.Rollout);
        var start = action.StartsWith("start", StringComparison.Ordinal);
        foreach (var node in nodes)
        {
            var info = await calls.InfoAsync(node, probe: false, cancellationToken);
            if (!info.Ok)
            {
                problems.Add(info.Error!);
                continue;
            }

            foreach (var component in plan.Cluster.Controllers.Where(c => info.Value!.Components.Any(s => s.Name == c)))
            {
                var result = await AlreadyDoneAsync(node, component, start, cancellationToken) ?? (start
                    ? await calls.StartAsync(node, new StartComponentRequest { OperationId = OperationIds.For(plan.Rollout, node.Name, component, action, run), Component = component, Claim = owner.Ref(), HealthTimeout = Duration.FromTimeSpan(plan.Policy.HealthTimeout) }, cancellationToken)
                    : await calls.StopAsync(node, new StopComponentRequest { OperationId = OperationIds.For(plan.Rollout, node.Name, component, action, run), Component = component, Claim = owner.Ref() }, cancellationToken));
                if (!result.Ok || result.Value!.State != OperationState.Succeeded)
                {
                    problems.Add($"{node.Name}: {action} {component}: {result.Error ?? result.Value!.Message}");
                    continue;
                }

                acted.Add($"{component} on {node.Name}");
                journal.AddEvent(plan.Rollout, $"controllers: {action} {component} on {node.Name}: {result.Value.Message} ({result.Value.OperationId})");
            }
        }

        return (acted, problems);
    }

    /// <summary>
    /// The component's newest operation when it already stopped (or started) it: that result stands, and a second
    /// stop or start is not sent. One of this rollout's that is still running is followed to its end. Null when the
    /// stop or start has to be sent (the newest operation is something else, failed, or there is none).
    /// </summary>
    private async Task<CallResult<Operation>?> AlreadyDoneAsync(PlanNode node, string component, bool start, CancellationToken cancellationToken)
    {
        var latest = await calls.LatestAsync(node, component, cancellationToken);
        if (!latest.Ok)
        {
            return CallResult<Operation>.Failure(latest.Error!, latest.Refused);
        }

        var kind = start ? OperationKind.Start : OperationKind.Stop;
        return latest.Value!.Operations.FirstOrDefault() switch
        {
            { State: OperationState.Succeeded } newest when newest.Kind == kind => CallResult<Operation>.Success(newest),
            { State: OperationState.Running } newest when newest.Kind == kind && OperationIds.BelongsTo(plan.Rollout, newest.OperationId) =>
                await calls.FollowAsync(node, newest.OperationId, cancellationToken),
            _ => null,
        };
    }
}
