using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>
/// Every node verified after the window. A node found bad now (controllers running again) is reported and journaled
/// as failed, not rolled back by the coordinator.
/// </summary>
internal sealed class VerifyPhase(Plan plan, IRolloutJournal journal, Verifier verifier)
{
    public async Task<VerifyResult> RunAsync(CancellationToken cancellationToken)
    {
        var verification = await verifier.VerifyAsync(plan.Inventory, cancellationToken);
        var bad = verification.Where(v => !v.Ok).ToList();
        var done = journal.Nodes(plan.Rollout).Where(n => NodeStates.IsDone(n.State)).Select(n => n.Node).ToHashSet(StringComparer.Ordinal);
        foreach (var node in bad.Where(b => done.Contains(b.Node)))
        {
            journal.MarkNode(plan.Rollout, node.Node, NodeStates.Failed, $"final verification failed: {node.Detail}; not rolled back (found after the window; roll it back with agentctl, or run rollout again to retry it)");
        }

        return new VerifyResult(
            verification,
            bad.Count > 0 ? PhaseOutcome.Failed($"verification failed on {bad.Count} node(s): {string.Join("; ", bad.Take(5).Select(b => $"{b.Node}: {b.Detail}"))}") : null);
    }
}
