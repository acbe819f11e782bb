using NodeAgent.Coordinator.Journal;

namespace NodeAgent.Coordinator.Engine;

/// <summary>Taking the nodes over before a run (claims, reconcile), and undoing the cluster steps after an early stop.</summary>
internal sealed partial class RolloutEngine
{
    /// <summary>
    /// Before anything else: claim every node of the plan (refused: another rollout owns one, and nothing is touched),
    /// then reconcile (follow every operation of this rollout that a killed run left running). Null when both are done.
    /// </summary>
    private async Task<string?> TakeOverAsync(CancellationToken cancellationToken)
    {
        if (await claims.AcquireAsync(cancellationToken) is { } refused)
        {
            return $"{refused}; nothing was touched";
        }

        var (stillRunning, _) = await reconciler.RunAsync(cancellationToken);
        return stillRunning.Count == 0
            ? null
            : $"operations of this rollout are still running, so nothing was started: {string.Join("; ", stillRunning.Take(5))}";
    }

    /// <summary>
    /// Every hook's OnStop, last registered first, on the nodes this run holds; one that fails is journaled and the
    /// others still run. First the agents are asked again and every running operation of this rollout is followed to
    /// its end; skipped while a node's outcome stays unknown (an in-flight node that does not answer, an operation that
    /// does not end): it may still be mid-apply, and starting the controllers then is what the window exists to prevent.
    /// </summary>
    private async Task UndoHooksAsync(CancellationToken cancellationToken)
    {
        if (hooks.All.Count == 0)
        {
            return;
        }

        // Asked again now, not taken from the journal: every operation of this rollout is followed to its end first.
        var (stillRunning, unreachable) = await reconciler.RunAsync(cancellationToken);
        var inFlight = journal.Nodes(plan.Rollout).Where(n => n.State == NodeStates.InFlight).Select(n => n.Node).ToHashSet(StringComparer.Ordinal);
        var unknown = unreachable.Where(inFlight.Contains).Concat(stillRunning).ToList();
        if (unknown.Count > 0)
        {
            var why = $"cluster steps left as they are ({string.Join(", ", hooks.All.Select(h => h.Name))}): a node may still be mid-apply ({string.Join("; ", unknown)}); run rollout again to reconcile and go on, or abort and run rollout again to undo them";
            journal.AddEvent(plan.Rollout, why);
            progress.Say(why);
            return;
        }

        var held = claims.Held;
        foreach (var hook in Enumerable.Reverse(hooks.All))
        {
            try
            {
                await hook.OnStopAsync(held, cancellationToken);
            }
            catch (Exception ex) when (ex is CoordinatorException and not Journal.Etcd.LeadershipLostException or HttpRequestException or Grpc.Core.RpcException)
            {
                journal.AddEvent(plan.Rollout, $"{hook.Name}: could not undo its step after the rollout stopped: {ex.Message}");
                progress.Say($"{hook.Name}: could not undo its step: {ex.Message}");
            }
        }
    }
}
