using NodeAgent.Client.Concurrency;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// Backs up, per node, the components that are not at the target yet: one already upgraded (by an earlier run that was
/// killed) is not backed up again as if it were the old version, and one backed up in an earlier run is not backed up
/// twice. What each backup holds (the version, the operation that names the backup set) is a fact of the node in the
/// journal, so the report shows it.
/// </summary>
internal sealed class NodeBackups(Plan plan, IAgentClient calls, IRolloutJournal journal, IRolloutObserver progress, ClaimOwner owner)
{
    public const string FactPrefix = "backup ";

    /// <summary>Backs up the given nodes; returns the failures (empty: all done).</summary>
    public async Task<IReadOnlyList<string>> RunAsync(IReadOnlyList<PlanNode> nodes, CancellationToken cancellationToken)
    {
        var run = journal.Runs(plan.Rollout);
        var failures = (await FanOut.RunAsync(nodes, plan.Policy.MaxConcurrency, (node, ct) => BackUpNodeAsync(node, run, ct), cancellationToken)).SelectMany(f => f).ToList();
        progress.Say($"backup: {nodes.Count} node(s), {failures.Count} failure(s)");
        return failures;
    }

    private async Task<List<string>> BackUpNodeAsync(PlanNode node, int run, CancellationToken cancellationToken)
    {
        // Probed now: the versions must be what runs after the reconcile, not what the agent saw before the last apply.
        var info = await calls.InfoAsync(node, probe: true, cancellationToken);
        if (!info.Ok)
        {
            return [info.Error!];
        }

        var failures = new List<string>();
        foreach (var component in plan.ComponentsOf(node))
        {
            var key = FactPrefix + component.Name;
            var version = info.Value!.Components.FirstOrDefault(c => c.Name == component.Name)?.Version ?? "";
            if (journal.Fact(plan.Rollout, node.Name, key) is { } earlier && !earlier.StartsWith("not backed up", StringComparison.Ordinal))
            {
                continue;
            }

            if (VersionSkew.Same(version, plan.TargetVersion))
            {
                journal.SetFact(plan.Rollout, node.Name, key, $"not backed up: already at {plan.TargetVersion}");
                continue;
            }

            var request = new BackupRequest { OperationId = OperationIds.For(plan.Rollout, node.Name, component.Name, "backup", run), Component = component.Name, Claim = owner.Ref() };
            var result = await calls.BackupAsync(node, request, cancellationToken);
            if (!result.Ok || result.Value!.State != OperationState.Succeeded)
            {
                failures.Add(result.Error ?? $"{node.Name}: backup of {component.Name}: {result.Value!.Message}");
                continue;
            }

            journal.SetFact(plan.Rollout, node.Name, key, $"holds {(version.Length > 0 ? version : "the current version")}: {result.Value.Files.Count} file(s) in backup set {request.OperationId}");
        }

        return failures;
    }
}
