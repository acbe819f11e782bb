using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>Which nodes go in which step: canaries, the control plane, then the workers in batches.</summary>
internal static class BatchPlanner
{
    /// <summary>
    /// The named canary nodes, or the first <c>count</c> nodes with control-plane nodes first: a worker's kubelet
    /// must never be newer than the API server, so the control plane leads.
    /// </summary>
    public static IReadOnlyList<PlanNode> Canaries(Plan plan)
    {
        if (plan.Policy.CanaryNodes.Count > 0)
        {
            return plan.Inventory.Where(n => plan.Policy.CanaryNodes.Contains(n.Name)).ToList();
        }

        return plan.Inventory.OrderBy(n => n.Role == Roles.ControlPlane ? 0 : 1).Take(plan.Policy.CanaryCount).ToList();
    }

    /// <summary>The pending workers in batches; a percentage is of all the plan's workers, so batches keep their size on resume.</summary>
    public static IReadOnlyList<IReadOnlyList<PlanNode>> WorkerBatches(Plan plan, IEnumerable<PlanNode> workers)
    {
        var list = workers.ToList();
        var size = Math.Max(1, plan.Policy.BatchSize.Of(plan.Inventory.Count(n => n.Role == Roles.Worker)));
        return list.Chunk(size).Select(chunk => (IReadOnlyList<PlanNode>)chunk).ToList();
    }
}
