using NodeAgent.Client.Concurrency;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>What the plan's components need from each node's agent: the component in its catalog. Problems name the plan's line and key.</summary>
internal sealed class CatalogCheck(Plan plan, IAgentClient calls)
{
    /// <summary>Asks every agent that answers; returns the components their catalogs lack, and the nodes that did not answer.</summary>
    public async Task<(IReadOnlyList<string> Problems, IReadOnlyList<string> Unreachable)> RunAsync(CancellationToken cancellationToken)
    {
        var infos = await FanOut.RunAsync(plan.Inventory, plan.Policy.MaxConcurrency, (node, ct) => calls.InfoAsync(node, probe: false, ct), cancellationToken);
        var problems = plan.Inventory.Zip(infos).Where(i => i.Second.Ok).SelectMany(i => Missing(plan, i.First, i.Second.Value!));
        var unreachable = infos.Where(i => !i.Ok).Select(i => i.Error!);
        return (problems.Order(StringComparer.Ordinal).ToList(), unreachable.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>The plan's components for this node that its agent's catalog does not have.</summary>
    public static IEnumerable<string> Missing(Plan plan, PlanNode node, GetInfoResponse info) =>
        plan.ComponentsOf(node)
            .Where(c => info.Components.All(s => s.Name != c.Name))
            .Select(c => $"{c.Where}: node {node.Name}'s agent has no component {c.Name} in its catalog (it has {string.Join(", ", info.Components.Select(s => s.Name))})");
}
