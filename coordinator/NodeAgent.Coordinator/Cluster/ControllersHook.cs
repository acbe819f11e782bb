using Google.Protobuf.WellKnownTypes;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// Stops kube-controller-manager and kube-scheduler (the plan's list) through the agents on the control-plane
/// nodes before the window, so that no node controller marks nodes NotReady and evicts pods while kubelets restart,
/// and starts them again after the nodes are done or when the rollout stops early. Only components an agent's
/// catalog has are touched. Operation ids carry the run number, so a resumed rollout stops them again.
/// </summary>
internal sealed class ControllersHook(Plan plan, AgentCalls calls, RolloutJournal journal, RolloutProgress progress) : IRolloutHook
{
    public const string FactStopped = "controllers-stopped";
    public const string FactStarted = "controllers-started";

    public string Name => "controllers";

    public Task BeforeWindowAsync(CancellationToken cancellationToken) => StopAsync("stop", cancellationToken);

    /// <summary>An upgrade of a controller on a control-plane node restarts it: stop it again until the workers are done.</summary>
    public Task AfterControlPlaneAsync(CancellationToken cancellationToken) => StopAsync("stop-again", cancellationToken);

    public async Task AfterNodesAsync(CancellationToken cancellationToken)
    {
        var problems = await ActAsync("start", cancellationToken);
        var summary = problems.Count == 0 ? $"started again on {ControlPlane().Count} control-plane node(s)" : $"NOT all started again: {string.Join("; ", problems)}";
        journal.SetFact(plan.Rollout, "", FactStarted, summary);
        progress.Say($"controllers: {summary}");
        if (problems.Count > 0)
        {
            throw new CoordinatorException($"controllers could not be started again; start them by hand: {string.Join("; ", problems)}");
        }
    }

    public async Task OnStopAsync(CancellationToken cancellationToken)
    {
        if (journal.Fact(plan.Rollout, "", FactStopped) is null)
        {
            return;
        }

        var problems = await ActAsync("start", cancellationToken);
        var summary = problems.Count == 0 ? "started again after the rollout stopped early" : $"NOT all started again after the rollout stopped early, start them by hand: {string.Join("; ", problems)}";
        journal.SetFact(plan.Rollout, "", FactStarted, summary);
        progress.Say($"controllers: {summary}");
    }

    private async Task StopAsync(string action, CancellationToken cancellationToken)
    {
        var problems = await ActAsync(action, cancellationToken);
        if (problems.Count > 0)
        {
            throw new CoordinatorException($"could not stop the controllers: {string.Join("; ", problems)}");
        }

        var summary = $"{string.Join(", ", plan.Cluster.Controllers)} stopped on {ControlPlane().Count} control-plane node(s) for the window";
        journal.SetFact(plan.Rollout, "", FactStopped, summary);
        progress.Say($"controllers: {summary}");
    }

    private List<PlanNode> ControlPlane() => plan.Inventory.Where(n => n.Role == Roles.ControlPlane).ToList();

    /// <summary>Stops or starts every listed controller in each control-plane agent's catalog; returns what failed.</summary>
    private async Task<List<string>> ActAsync(string action, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var run = journal.Runs(plan.Rollout);
        foreach (var node in ControlPlane())
        {
            var info = await calls.InfoAsync(node, probe: false, cancellationToken);
            if (!info.Ok)
            {
                problems.Add(info.Error!);
                continue;
            }

            foreach (var component in plan.Cluster.Controllers.Where(c => info.Value!.Components.Any(s => s.Name == c)))
            {
                var id = OperationIds.For(plan.Rollout, node.Name, component, action, run);
                var result = await calls.RunAsync(
                    node,
                    async (client, deadline) => action == "start"
                        ? (await client.StartComponentAsync(new StartComponentRequest { OperationId = id, Component = component, HealthTimeout = Duration.FromTimeSpan(plan.Policy.HealthTimeout) }, deadline: deadline, cancellationToken: cancellationToken)).Operation
                        : (await client.StopComponentAsync(new StopComponentRequest { OperationId = id, Component = component }, deadline: deadline, cancellationToken: cancellationToken)).Operation,
                    _ => { },
                    cancellationToken);
                if (!result.Ok || result.Value!.State != OperationState.Succeeded)
                {
                    problems.Add($"{node.Name}: {action} {component}: {result.Error ?? result.Value!.Message}");
                    continue;
                }

                journal.AddEvent(plan.Rollout, $"controllers: {action} {component} on {node.Name}: {result.Value.Message}");
            }
        }

        return problems;
    }
}
