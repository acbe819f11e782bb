using NodeAgent.Client.Concurrency;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// The first thing every run does, before it decides anything: ask each node of the plan for its unfinished
/// operations, and follow every one that belongs to this rollout (started by a run that was killed) to its end with
/// the same follow loop as a normal apply. After it, no operation of the rollout runs anywhere, so nothing of this
/// run races one: the agents' state is the truth, the journal says what was intended. A node that does not answer is
/// noted and left to the phases (it fails when its turn comes, as it would have); an operation that does not end while
/// followed means the node is still busy with this rollout, and nothing may be started.
/// </summary>
internal sealed class Reconciler(Plan plan, IAgentClient calls, IRolloutJournal journal, IRolloutObserver progress)
{
    /// <summary>
    /// Follows the rollout's running operations; returns the ones still running when the follow gave up, and the
    /// nodes that did not answer.
    /// </summary>
    public async Task<(IReadOnlyList<string> StillRunning, IReadOnlyList<string> Unreachable)> RunAsync(CancellationToken cancellationToken)
    {
        var found = await FanOut.RunAsync(plan.Inventory, plan.Policy.MaxConcurrency, ReconcileAsync, cancellationToken);
        var followed = found.Sum(f => f.Followed);
        var problems = found.Select(f => f.Problem).OfType<string>().ToList();
        var unreachable = plan.Inventory.Zip(found).Where(f => !f.Second.Answered).Select(f => f.First.Name).ToList();
        if (followed > 0 || problems.Count > 0)
        {
            progress.Say($"reconcile: followed {followed} running operation(s) of this rollout; {problems.Count} still running");
        }

        return (problems.Order(StringComparer.Ordinal).ToList(), unreachable);
    }

    private async Task<(int Followed, string? Problem, bool Answered)> ReconcileAsync(PlanNode node, CancellationToken cancellationToken)
    {
        var unfinished = await calls.UnfinishedAsync(node, cancellationToken);
        if (!unfinished.Ok)
        {
            journal.AddEvent(plan.Rollout, $"reconcile: {unfinished.Error} (could not list its operations; the node is checked again when its turn comes)");
            return (0, null, false);
        }

        var ours = unfinished.Value!.Operations.Where(o => OperationIds.BelongsTo(plan.Rollout, o.OperationId)).ToList();
        foreach (var running in ours)
        {
            progress.Say($"reconcile: {node.Name}: {running.Kind} of {running.Component} ({running.OperationId}) is still running; following it to its end");
            var result = await calls.FollowAsync(node, running.OperationId, cancellationToken);
            if (!result.Ok || result.Value!.State == OperationState.Running)
            {
                return (ours.Count, $"{node.Name}: operation {running.OperationId} did not finish while followed: {result.Error ?? "still running"}", true);
            }

            journal.AddEvent(plan.Rollout, $"reconcile: {node.Name}: {running.OperationId} ({running.Kind} of {running.Component}) ended {NodeUpgrader.State(result.Value.State)}: {result.Value.Message}");
        }

        return (ours.Count, null, true);
    }
}
