using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>The control-plane nodes one at a time (never two API servers restarting at once), the hooks after each.</summary>
internal sealed class ControlPlanePhase(Plan plan, NodeBatch upgrade, Func<CancellationToken, Task<PhaseOutcome?>> afterNode)
{
    public async Task<PhaseOutcome?> RunAsync(IReadOnlyList<PlanNode> pending, FailureBudget budget, CancellationToken cancellationToken)
    {
        foreach (var node in pending)
        {
            var outcomes = await upgrade([node], cancellationToken);
            if (outcomes is null)
            {
                return PhaseOutcome.Aborted("aborted by request in the control-plane phase");
            }

            budget.AfterBatch(1, outcomes.Count(o => !o.Ok));
            if (outcomes.FirstOrDefault(o => !o.Ok) is { } failedNode)
            {
                return PhaseOutcome.Failed($"control-plane node {failedNode.Node} failed ({failedNode.Reason}); no worker is upgraded while the control plane is not at {plan.TargetVersion}");
            }

            if (await afterNode(cancellationToken) is { } hookFailed)
            {
                return hookFailed;
            }
        }

        return null;
    }
}
