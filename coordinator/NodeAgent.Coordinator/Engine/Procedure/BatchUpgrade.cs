using NodeAgent.Client.Concurrency;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>
/// How every phase upgrades nodes: with the policy's bounded concurrency, each node only after pause and abort were
/// looked at and once this run holds its claim. <see cref="RunAsync"/> is the <see cref="NodeBatch"/> the phases get.
/// </summary>
internal sealed class BatchUpgrade(Plan plan, RolloutControl control, ClaimKeeper claims, NodeUpgrader upgrader)
{
    /// <summary>Upgrades the nodes; null when an abort was requested (nodes already in flight finish first).</summary>
    public async Task<IReadOnlyList<NodeOutcome>?> RunAsync(IReadOnlyList<PlanNode> nodes, CancellationToken cancellationToken)
    {
        var outcomes = await FanOut.RunAsync(nodes, plan.Policy.MaxConcurrency, async (node, ct) =>
        {
            if (!await control.MayStartAsync(ct))
            {
                return null;
            }

            return await claims.EnsureAsync(node, ct) is { } refused
                ? upgrader.Refused(node, refused)
                : await upgrader.UpgradeAsync(node, ct);
        }, cancellationToken);
        return outcomes.Any(o => o is null) ? null : outcomes.OfType<NodeOutcome>().ToList();
    }
}
