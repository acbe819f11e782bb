using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Engine.Procedure;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// The procedure: preflight, backup, canary (soak, gate), control plane one node at a time, workers in batches,
/// verify. Every step is journaled before it acts; a rollout run again resumes where it stopped, never touching a
/// node that is done. Between nodes and batches it obeys pause, resume and abort requested from another process.
/// </summary>
/// <remarks>
/// Runs once. Every collaborator comes from the composition root (<see cref="Composition.RolloutComposition"/>); the
/// engine only decides which step comes next.
/// </remarks>
internal sealed partial class RolloutEngine(
    Plan plan,
    string planPath,
    IRolloutJournal journal,
    IRolloutObserver progress,
    ClaimKeeper claims,
    Reconciler reconciler,
    HookSteps hooks,
    RolloutPhases phases)
{
    private List<NodeVerification> _verification = [];

    public async Task<RolloutResult> RunAsync(CancellationToken cancellationToken)
    {
        // The keeper is this run's: its renewal of the claims ends with the run, however the run ends.
        await using var renewal = claims;
        bool run;
        try
        {
            run = Begin();
        }
        catch (AbortedRolloutException aborted)
        {
            // Aborted while no coordinator ran (or an earlier run stopped before undoing): undo the cluster steps
            // now (each undo is idempotent), on the nodes this run can claim and once nothing of it still runs.
            if (await TakeOverAsync(cancellationToken) is null)
            {
                await UndoHooksAsync(cancellationToken);
            }

            await claims.ReleaseAllAsync(cancellationToken);
            throw new CoordinatorException(aborted.Message);
        }

        if (!run)
        {
            return Result();
        }

        PhaseOutcome outcome;
        try
        {
            var refused = await TakeOverAsync(cancellationToken);
            outcome = refused is null ? await RunPhasesAsync(cancellationToken) : PhaseOutcome.Failed(refused);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            journal.AddEvent(plan.Rollout, "interrupted; run rollout again to resume");
            throw;
        }
        catch (Journal.Etcd.LeadershipLostException)
        {
            // Replaced by a standby: undo nothing, record nothing (it could not be written anyway); the new leader goes on.
            throw;
        }
        catch (CoordinatorException ex)
        {
            outcome = PhaseOutcome.Failed($"{ex.Message}; run rollout again to resume");
        }
        catch (Exception ex)
        {
            outcome = PhaseOutcome.Failed($"the coordinator stopped on an unexpected error ({ex.GetType().Name}: {ex.Message}); run rollout again to resume");
        }

        if (outcome.State != RolloutStates.Succeeded && claims.Held.Count > 0)
        {
            await UndoHooksAsync(cancellationToken);
        }

        await claims.ReleaseAllAsync(cancellationToken);
        journal.SetState(plan.Rollout, outcome.State, outcome.Message);
        journal.AddEvent(plan.Rollout, $"{outcome.State}: {outcome.Message}");
        progress.Ended(plan.Rollout, outcome.State, outcome.Message);
        return Result();
    }

    /// <summary>Creates or resumes the journaled rollout; false when there is nothing to do.</summary>
    private bool Begin()
    {
        var existing = journal.Find(plan.Rollout);
        if (existing is null)
        {
            journal.CreateRollout(plan.Rollout, plan.Digest, Path.GetFullPath(planPath), plan.TargetVersion, plan.Inventory.Select(n => (n.Name, n.Role)));
            journal.AddEvent(plan.Rollout, $"started: {plan.Inventory.Count} node(s) to {plan.TargetVersion}");
            return true;
        }

        if (existing.PlanDigest != plan.Digest)
        {
            throw new CoordinatorException($"rollout {plan.Rollout} was started with a different plan (digest {existing.PlanDigest[..12]}, now {plan.Digest[..12]}); give the changed plan a new rollout id");
        }

        if (existing.Control == "abort" && existing.State != RolloutStates.Succeeded)
        {
            journal.SetState(plan.Rollout, RolloutStates.Aborted, "aborted by request while no coordinator was running");
            existing = journal.Find(plan.Rollout)!;
        }

        if (existing.State == RolloutStates.Aborted)
        {
            throw new AbortedRolloutException($"rollout {plan.Rollout} was aborted; start again under a new rollout id (nodes already at the target are not restarted)");
        }

        if (existing.State == RolloutStates.Succeeded)
        {
            progress.Say($"rollout {plan.Rollout} already succeeded; nothing to do");
            return false;
        }

        journal.StartRun(plan.Rollout);
        journal.SetState(plan.Rollout, RolloutStates.Running, "resumed");
        journal.AddEvent(plan.Rollout, $"resumed from state {existing.State}, phase {existing.Phase}");
        progress.Say($"resuming rollout {plan.Rollout} (was {existing.State} in phase {existing.Phase})");
        return true;
    }

    private async Task<PhaseOutcome> RunPhasesAsync(CancellationToken cancellationToken)
    {
        progress.Preload(journal.Nodes(plan.Rollout).Count(n => NodeStates.IsDone(n.State)));
        if (plan.Runs(Phases.Preflight))
        {
            Phase(Phases.Preflight);
            if (await phases.Preflight.RunAsync(Pending(plan.Inventory), cancellationToken) is { } stopped)
            {
                return stopped;
            }
        }

        if (plan.Runs(Phases.Backup))
        {
            Phase(Phases.Backup);
            if (await phases.Backup.RunAsync(Pending(plan.Inventory), cancellationToken) is { } stopped)
            {
                return stopped;
            }
        }

        if (Pending(plan.Inventory).Count > 0 && await hooks.RunAsync(hooks.All, "before the window", h => h.BeforeWindowAsync(cancellationToken)) is { } before)
        {
            return before;
        }

        var canaries = plan.Runs(Phases.Canary) ? BatchPlanner.Canaries(plan) : [];
        if (canaries.Count > 0)
        {
            Phase(Phases.Canary);
            if (await phases.Canary.RunAsync(canaries, Pending(canaries), cancellationToken) is { } stopped)
            {
                return stopped;
            }
        }

        if (plan.Runs(Phases.ControlPlane))
        {
            Phase(Phases.ControlPlane);
            var pending = Pending(plan.Inventory.Where(n => n.Role == Roles.ControlPlane && !canaries.Contains(n)));
            if (await phases.ControlPlane.RunAsync(pending, phases.Budget, cancellationToken) is { } stopped)
            {
                return stopped;
            }
        }

        if (plan.Runs(Phases.Workers))
        {
            Phase(Phases.Workers);
            var pending = Pending(plan.Inventory.Where(n => n.Role == Roles.Worker && !canaries.Contains(n)));
            if (await phases.Workers.RunAsync(pending, phases.Budget, cancellationToken) is { } stopped)
            {
                return stopped;
            }
        }

        if (plan.Runs(Phases.LabelPods) && phases.LabelPods is { } labelPods)
        {
            Phase(Phases.LabelPods);
            var upgraded = journal.Nodes(plan.Rollout).Where(n => NodeStates.IsDone(n.State)).Select(n => n.Node).ToList();
            await labelPods.RunAsync(upgraded, cancellationToken);
        }

        if (await hooks.RunAsync(Enumerable.Reverse(hooks.All).ToList(), "after the nodes", h => h.AfterNodesAsync(cancellationToken)) is { } after)
        {
            return after;
        }

        if (plan.Runs(Phases.Verify))
        {
            Phase(Phases.Verify);
            var verified = await phases.Verify.RunAsync(cancellationToken);
            _verification = [.. verified.Verification];
            if (verified.Stop is { } stop)
            {
                return stop;
            }
        }

        var nodes = journal.Nodes(plan.Rollout);
        var failed = nodes.Count(n => NodeStates.IsFailure(n.State) || n.State == NodeStates.InFlight);
        var notTouched = nodes.Count(n => n.State == NodeStates.Pending);
        if (failed > 0)
        {
            return PhaseOutcome.Failed($"{failed} node(s) failed within the failure budget; run rollout again to retry them");
        }

        return notTouched == 0
            ? PhaseOutcome.Succeeded($"{plan.Inventory.Count} node(s) at {plan.TargetVersion}")
            : PhaseOutcome.Failed($"{notTouched} node(s) were not upgraded because their phase is not in policy.phases");
    }

    private List<PlanNode> Pending(IEnumerable<PlanNode> nodes)
    {
        var done = journal.Nodes(plan.Rollout).Where(n => NodeStates.IsDone(n.State)).Select(n => n.Node).ToHashSet(StringComparer.Ordinal);
        return nodes.Where(n => !done.Contains(n.Name)).ToList();
    }

    private void Phase(string phase)
    {
        journal.SetPhase(plan.Rollout, phase);
        progress.SetPhase(phase);
    }

    private RolloutResult Result() =>
        new(journal.Find(plan.Rollout)!, journal.Nodes(plan.Rollout), _verification, journal.Events(plan.Rollout), journal.Facts(plan.Rollout));
}
