using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>
/// Everything checked before the first node is touched: the agents (<see cref="Preflight"/>), then, with Kubernetes
/// access and only when the agents are fine, the pods' placement (which may add node labels when
/// <paramref name="fixLabels"/>). Any problem stops the rollout with nothing touched.
/// </summary>
internal sealed class PreflightPhase(Plan plan, IRolloutJournal journal, IRolloutObserver progress, Preflight agents, PlacementPreflight? placement, bool fixLabels)
{
    public async Task<PhaseOutcome?> RunAsync(IReadOnlyList<PlanNode> pending, CancellationToken cancellationToken)
    {
        var problems = (await agents.RunAsync(journal.Nodes(plan.Rollout), cancellationToken)).ToList();
        if (problems.Count == 0 && placement is not null)
        {
            problems.AddRange(await placement.RunAsync(pending, fixLabels, cancellationToken));
        }

        foreach (var problem in problems)
        {
            progress.Say($"preflight: {problem}");
        }

        return problems.Count == 0 ? null : PhaseOutcome.Failed($"preflight found {problems.Count} problem(s); nothing was touched: {string.Join("; ", problems.Take(5))}");
    }
}
