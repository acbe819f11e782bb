using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>The workers in batches, a soak between batches, the failure budget checked after each.</summary>
internal sealed class WorkersPhase(Plan plan, IRolloutJournal journal, IRolloutObserver progress, RolloutControl control, NodeBatch upgrade)
{
    public async Task<PhaseOutcome?> RunAsync(IReadOnlyList<PlanNode> pending, FailureBudget budget, CancellationToken cancellationToken)
    {
        var batches = BatchPlanner.WorkerBatches(plan, pending);
        for (var i = 0; i < batches.Count; i++)
        {
            if (i > 0 && !await control.SoakAsync(plan.Policy.SoakBetweenBatches, cancellationToken))
            {
                return PhaseOutcome.Aborted($"aborted by request before batch {i + 1} of {batches.Count}");
            }

            progress.SetBatch(i + 1, batches.Count, batches[i].Count);
            journal.AddEvent(plan.Rollout, $"batch {i + 1} of {batches.Count}: {string.Join(", ", batches[i].Select(n => n.Name))}");
            var outcomes = await upgrade(batches[i], cancellationToken);
            if (outcomes is null)
            {
                return PhaseOutcome.Aborted($"aborted by request in batch {i + 1} of {batches.Count}");
            }

            if (budget.AfterBatch(batches[i].Count, outcomes.Count(o => !o.Ok)) is { } breach)
            {
                return PhaseOutcome.Failed($"stopped after batch {i + 1} of {batches.Count}: {breach}");
            }
        }

        return null;
    }
}
