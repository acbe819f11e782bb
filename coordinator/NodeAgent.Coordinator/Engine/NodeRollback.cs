using Google.Protobuf.WellKnownTypes;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>What rolling a node back did: whether every change was undone, whether there was any, and in words.</summary>
internal sealed record RollbackOutcome(bool AllRolledBack, bool AnyChanged, string Notes);

/// <summary>
/// Puts a node back on its old version: every component that this rollout's apply (of the node's current attempt)
/// changed is rolled back through the agent, last first. Which ones changed is read from the agent's record of those
/// applies, so it works the same in the run that applied them and in a later run (a canary gate after a restart).
/// </summary>
internal sealed class NodeRollback(Plan plan, IAgentClient calls, ClaimOwner owner)
{
    public async Task<RollbackOutcome> RunAsync(PlanNode node, int attempt, CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        var all = true;
        foreach (var component in plan.ComponentsOf(node).Reverse())
        {
            var applyId = OperationIds.For(plan.Rollout, node.Name, component.Name, "apply", attempt);
            var applied = await calls.FollowAsync(node, applyId, cancellationToken);
            if (!applied.Ok || applied.Value!.State != OperationState.Succeeded || !applied.Value.Changed)
            {
                continue;
            }

            var request = new RollbackRequest
            {
                OperationId = OperationIds.For(plan.Rollout, node.Name, component.Name, "rollback", attempt),
                Component = component.Name,
                TargetOperationId = applyId,
                HealthTimeout = Duration.FromTimeSpan(plan.Policy.HealthTimeout),
                Claim = owner.Ref(),
            };
            var result = await calls.RollbackAsync(node, request, cancellationToken);
            var ok = result.Ok && result.Value!.State == OperationState.Succeeded;
            all &= ok;
            notes.Add(ok ? $"{component.Name} rolled back" : $"{component.Name} ROLLBACK FAILED: {result.Error ?? result.Value!.Message}");
        }

        return new RollbackOutcome(all, notes.Count > 0, notes.Count > 0 ? string.Join("; ", notes) : "nothing this rollout changed is left to roll back");
    }
}
