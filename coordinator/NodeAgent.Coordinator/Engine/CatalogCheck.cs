using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>What the plan's components need from each node's agent: the component in its catalog. Problems name the plan's line and key.</summary>
internal sealed class CatalogCheck(Plan plan, AgentCalls calls)
{
    /// <summary>Asks every agent that answers; returns the components their catalogs lack, and the nodes that did not answer.</summary>
    public async Task<(IReadOnlyList<string> Problems, IReadOnlyList<string> Unreachable)> RunAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var unreachable = new List<string>();
        await Parallel.ForEachAsync(plan.Inventory, new ParallelOptions { MaxDegreeOfParallelism = plan.Policy.MaxConcurrency, CancellationToken = cancellationToken }, async (node, ct) =>
        {
            var info = await calls.InfoAsync(node, probe: false, ct);
            lock (problems)
            {
                if (info.Ok)
                {
                    problems.AddRange(Missing(plan, node, info.Value!));
                }
                else
                {
                    unreachable.Add(info.Error!);
                }
            }
        });
        return (problems.Order(StringComparer.Ordinal).ToList(), unreachable.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>The plan's components for this node that its agent's catalog does not have.</summary>
    public static IEnumerable<string> Missing(Plan plan, PlanNode node, GetInfoResponse info) =>
        plan.ComponentsOf(node)
            .Where(c => info.Components.All(s => s.Name != c.Name))
            .Select(c => $"{c.Where}: node {node.Name}'s agent has no component {c.Name} in its catalog (it has {string.Join(", ", info.Components.Select(s => s.Name))})");
}
