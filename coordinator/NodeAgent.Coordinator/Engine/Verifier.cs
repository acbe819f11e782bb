using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>A node's state after the upgrade, as its agent sees it.</summary>
internal sealed record NodeVerification(string Node, bool Ok, string Detail);

/// <summary>Checks nodes by observing them: every planned component healthy and reporting the target version.</summary>
internal sealed class Verifier(Plan plan, AgentCalls calls)
{
    public async Task<IReadOnlyList<NodeVerification>> VerifyAsync(IEnumerable<PlanNode> nodes, CancellationToken cancellationToken)
    {
        var results = new List<NodeVerification>();
        await Parallel.ForEachAsync(nodes, new ParallelOptions { MaxDegreeOfParallelism = plan.Policy.MaxConcurrency, CancellationToken = cancellationToken }, async (node, ct) =>
        {
            var result = await VerifyAsync(node, ct);
            lock (results)
            {
                results.Add(result);
            }
        });
        return results.OrderBy(r => r.Node, StringComparer.Ordinal).ToList();
    }

    public async Task<NodeVerification> VerifyAsync(PlanNode node, CancellationToken cancellationToken)
    {
        var info = await calls.InfoAsync(node, probe: true, cancellationToken);
        if (!info.Ok)
        {
            return new NodeVerification(node.Name, false, info.Error!);
        }

        var problems = new List<string>();
        foreach (var planned in plan.ComponentsOf(node))
        {
            var status = info.Value!.Components.FirstOrDefault(c => c.Name == planned.Name);
            if (status is null || !status.Healthy)
            {
                problems.Add($"{planned.Name} not healthy: {status?.HealthMessage ?? "not in the agent's catalog"}");
            }
            else if (!VersionSkew.Same(status.Version, plan.TargetVersion))
            {
                problems.Add($"{planned.Name} reports {status.Version}, not {plan.TargetVersion}");
            }
        }

        return problems.Count == 0
            ? new NodeVerification(node.Name, true, $"healthy at {plan.TargetVersion} (containers restarted: not measured by this agent)")
            : new NodeVerification(node.Name, false, string.Join("; ", problems));
    }
}
