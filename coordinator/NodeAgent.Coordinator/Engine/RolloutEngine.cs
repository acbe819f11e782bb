using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// The procedure: preflight, backup, canary (soak, gate), control plane one node at a time, workers in batches,
/// verify. Every step is journaled before it acts; a rollout run again resumes where it stopped, never touching a
/// node that is done. Between nodes and batches it obeys pause, resume and abort requested from another process.
/// </summary>
internal sealed partial class RolloutEngine(
    Plan plan,
    string planPath,
    AgentCalls calls,
    IRolloutJournal journal,
    RolloutProgress progress,
    IReadOnlyList<IRolloutHook> hooks,
    TimeProvider time,
    ClaimOwner owner,
    ClusterAccess? cluster = null)
{
    private static readonly TimeSpan ControlPoll = TimeSpan.FromMilliseconds(500);
    private readonly NodeUpgrader _upgrader = new(plan, calls, journal, progress, time, owner, NewVerifier(plan, calls, journal, cluster));
    private readonly Verifier _verifier = NewVerifier(plan, calls, journal, cluster);
    private List<NodeVerification> _verification = [];
    private ClaimKeeper? _claims;

    public async Task<RolloutResult> RunAsync(CancellationToken cancellationToken)
    {
        await using var claims = new ClaimKeeper(plan, calls, owner, journal, progress, time);
        _claims = claims;
        bool run;
        try
        {
            run = Begin();
        }
        catch (AbortedRolloutException aborted)
        {
            // Aborted while no coordinator ran (or an earlier run stopped before undoing): undo the cluster steps
            // now (each undo is idempotent), on the nodes this run can claim and once nothing of it still runs.
            if (await TakeOverAsync(claims, cancellationToken) is null)
            {
                await UndoHooksAsync(claims, cancellationToken);
            }

            await claims.ReleaseAllAsync(cancellationToken);
            throw new CoordinatorException(aborted.Message);
        }

        if (!run)
        {
            return Result();
        }

        (string State, string Message) outcome;
        try
        {
            var refused = await TakeOverAsync(claims, cancellationToken);
            outcome = refused is null ? await RunPhasesAsync(cancellationToken) : (RolloutStates.Failed, refused);
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
            outcome = (RolloutStates.Failed, $"{ex.Message}; run rollout again to resume");
        }
        catch (Exception ex)
        {
            outcome = (RolloutStates.Failed, $"the coordinator stopped on an unexpected error ({ex.GetType().Name}: {ex.Message}); run rollout again to resume");
        }

        if (outcome.State != RolloutStates.Succeeded && claims.Held.Count > 0)
        {
            await UndoHooksAsync(claims, cancellationToken);
        }

        await claims.ReleaseAllAsync(cancellationToken);
        journal.SetState(plan.Rollout, outcome.State, outcome.Message);
        journal.AddEvent(plan.Rollout, $"{outcome.State}: {outcome.Message}");
        progress.Say($"rollout {plan.Rollout} {outcome.State}: {outcome.Message}");
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

        journal.SetState(plan.Rollout, RolloutStates.Running, "resumed");
        journal.AddEvent(plan.Rollout, $"resumed from state {existing.State}, phase {existing.Phase}");
        progress.Say($"resuming rollout {plan.Rollout} (was {existing.State} in phase {existing.Phase})");
        return true;
    }

    private async Task<(string State, string Message)> RunPhasesAsync(CancellationToken cancellationToken)
    {
        progress.Preload(journal.Nodes(plan.Rollout).Count(n => NodeStates.IsDone(n.State)));
        if (plan.Runs(Phases.Preflight) && await PreflightAsync(cancellationToken) is { } preflight)
        {
            return (RolloutStates.Failed, preflight);
        }

        if (plan.Runs(Phases.Backup) && await BackupAsync(cancellationToken) is { } backup)
        {
            return (RolloutStates.Failed, backup);
        }

        if (Pending(plan.Inventory).Count > 0 && await HooksAsync(hooks, "before the window", h => h.BeforeWindowAsync(cancellationToken)) is { } before)
        {
            return before;
        }

        var canaries = plan.Runs(Phases.Canary) ? BatchPlanner.Canaries(plan) : [];
        if (canaries.Count > 0 && await CanaryAsync(canaries, cancellationToken) is { } canary)
        {
            return canary;
        }

        var budget = new FailureBudget(plan.Policy.FailuresPerBatch, plan.Policy.FailuresTotal, plan.Inventory.Count);
        if (plan.Runs(Phases.ControlPlane) && await ControlPlaneAsync(canaries, budget, cancellationToken) is { } controlPlane)
        {
            return controlPlane;
        }

        if (plan.Runs(Phases.Workers) && await WorkersAsync(canaries, budget, cancellationToken) is { } workers)
        {
            return workers;
        }

        if (plan.Runs(Phases.LabelPods) && cluster is not null)
        {
            Phase(Phases.LabelPods);
            var upgraded = journal.Nodes(plan.Rollout).Where(n => NodeStates.IsDone(n.State)).Select(n => n.Node).ToList();
            await new TolerationRefresh(plan, cluster.Kube, journal, progress).RunAsync(upgraded, cancellationToken);
        }

        if (await HooksAsync(Enumerable.Reverse(hooks).ToList(), "after the nodes", h => h.AfterNodesAsync(cancellationToken)) is { } after)
        {
            return after;
        }

        if (plan.Runs(Phases.Verify))
        {
            Phase(Phases.Verify);
            _verification = [.. await _verifier.VerifyAsync(plan.Inventory, cancellationToken)];
            var bad = _verification.Where(v => !v.Ok).ToList();
            foreach (var node in bad.Where(b => journal.Nodes(plan.Rollout).Any(n => n.Node == b.Node && NodeStates.IsDone(n.State))))
            {
                // Found after the window (controllers running again): reported, not rolled back by the coordinator.
                journal.MarkNode(plan.Rollout, node.Node, NodeStates.Failed, $"final verification failed: {node.Detail}; not rolled back (found after the window; roll it back with agentctl, or run rollout again to retry it)");
            }

            if (bad.Count > 0)
            {
                return (RolloutStates.Failed, $"verification failed on {bad.Count} node(s): {string.Join("; ", bad.Take(5).Select(b => $"{b.Node}: {b.Detail}"))}");
            }
        }

        var nodes = journal.Nodes(plan.Rollout);
        var failed = nodes.Count(n => NodeStates.IsFailure(n.State) || n.State == NodeStates.InFlight);
        var notTouched = nodes.Count(n => n.State == NodeStates.Pending);
        if (failed > 0)
        {
            return (RolloutStates.Failed, $"{failed} node(s) failed within the failure budget; run rollout again to retry them");
        }

        return notTouched == 0
            ? (RolloutStates.Succeeded, $"{plan.Inventory.Count} node(s) at {plan.TargetVersion}")
            : (RolloutStates.Failed, $"{notTouched} node(s) were not upgraded because their phase is not in policy.phases");
    }

    private Task<(string, string)?> AfterControlPlaneNodeAsync(CancellationToken cancellationToken) =>
        HooksAsync(hooks, "after a control-plane node", h => h.AfterControlPlaneNodeAsync(cancellationToken));

    /// <summary>Runs one step of every hook; a hook's <see cref="CoordinatorException"/> stops the rollout.</summary>
    private async Task<(string, string)?> HooksAsync(IReadOnlyList<IRolloutHook> ordered, string when, Func<IRolloutHook, Task> step)
    {
        foreach (var hook in ordered)
        {
            progress.Say($"{hook.Name}: {when}");
            try
            {
                await step(hook);
            }
            catch (CoordinatorException ex)
            {
                return (RolloutStates.Failed, $"{hook.Name} ({when}): {ex.Message}");
            }
        }

        return null;
    }

    private async Task<string?> PreflightAsync(CancellationToken cancellationToken)
    {
        Phase(Phases.Preflight);
        var problems = (await new Preflight(plan, calls).RunAsync(journal.Nodes(plan.Rollout), cancellationToken)).ToList();
        if (problems.Count == 0 && cluster is not null)
        {
            problems.AddRange(await new PlacementPreflight(plan, cluster.Kube, journal, progress).RunAsync(Pending(plan.Inventory), cluster.FixLabels, cancellationToken));
        }

        foreach (var problem in problems)
        {
            progress.Say($"preflight: {problem}");
        }

        return problems.Count == 0 ? null : $"preflight found {problems.Count} problem(s); nothing was touched: {string.Join("; ", problems.Take(5))}";
    }

    private async Task<string?> BackupAsync(CancellationToken cancellationToken)
    {
        Phase(Phases.Backup);
        var failures = await new BackupPhase(plan, calls, journal, progress, owner).RunAsync(Pending(plan.Inventory), cancellationToken);
        if (failures.Count > 0)
        {
            return $"backup failed on {failures.Count} component(s); no node was upgraded in this run: {string.Join("; ", failures.Take(5))}";
        }

        if (plan.Cluster.Etcd is { } etcd)
        {
            try
            {
                await new EtcdBackupStep(plan.Rollout, etcd, journal, progress, time).RunAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is CoordinatorException or IOException or UnauthorizedAccessException)
            {
                return $"etcd snapshot failed; nothing was upgraded: {ex.Message}";
            }
        }

        return null;
    }

    private async Task<(string, string)?> ControlPlaneAsync(IReadOnlyList<PlanNode> canaries, FailureBudget budget, CancellationToken cancellationToken)
    {
        Phase(Phases.ControlPlane);
        foreach (var node in Pending(plan.Inventory.Where(n => n.Role == Roles.ControlPlane && !canaries.Contains(n))))
        {
            var outcomes = await UpgradeAsync([node], cancellationToken);
            if (outcomes is null)
            {
                return (RolloutStates.Aborted, "aborted by request in the control-plane phase");
            }

            budget.AfterBatch(1, outcomes.Count(o => !o.Ok));
            if (outcomes.FirstOrDefault(o => !o.Ok) is { } failedNode)
            {
                return (RolloutStates.Failed, $"control-plane node {failedNode.Node} failed ({failedNode.Reason}); no worker is upgraded while the control plane is not at {plan.TargetVersion}");
            }

            if (await AfterControlPlaneNodeAsync(cancellationToken) is { } hookFailed)
            {
                return hookFailed;
            }
        }

        return null;
    }

    private async Task<(string, string)?> WorkersAsync(IReadOnlyList<PlanNode> canaries, FailureBudget budget, CancellationToken cancellationToken)
    {
        Phase(Phases.Workers);
        var batches = BatchPlanner.WorkerBatches(plan, Pending(plan.Inventory.Where(n => n.Role == Roles.Worker && !canaries.Contains(n))));
        for (var i = 0; i < batches.Count; i++)
        {
            if (i > 0 && !await SoakAsync(plan.Policy.SoakBetweenBatches, cancellationToken))
            {
                return (RolloutStates.Aborted, $"aborted by request before batch {i + 1} of {batches.Count}");
            }

            progress.SetBatch(i + 1, batches.Count, batches[i].Count);
            journal.AddEvent(plan.Rollout, $"batch {i + 1} of {batches.Count}: {string.Join(", ", batches[i].Select(n => n.Name))}");
            var outcomes = await UpgradeAsync(batches[i], cancellationToken);
            if (outcomes is null)
            {
                return (RolloutStates.Aborted, $"aborted by request in batch {i + 1} of {batches.Count}");
            }

            if (budget.AfterBatch(batches[i].Count, outcomes.Count(o => !o.Ok)) is { } breach)
            {
                return (RolloutStates.Failed, $"stopped after batch {i + 1} of {batches.Count}: {breach}");
            }
        }

        return null;
    }

    /// <summary>Upgrades nodes with bounded concurrency; null when an abort was requested (nodes in flight finish first).</summary>
    private async Task<IReadOnlyList<NodeOutcome>?> UpgradeAsync(IReadOnlyList<PlanNode> nodes, CancellationToken cancellationToken)
    {
        var outcomes = new List<NodeOutcome>();
        var aborted = false;
        await Parallel.ForEachAsync(nodes, Parallelism(cancellationToken), async (node, ct) =>
        {
            if (!await MayStartAsync(ct))
            {
                aborted = true;
                return;
            }

            var outcome = await _claims!.EnsureAsync(node, ct) is { } refused
                ? _upgrader.Refused(node, refused)
                : await _upgrader.UpgradeAsync(node, ct);
            lock (outcomes)
            {
                outcomes.Add(outcome);
            }
        });
        return aborted ? null : outcomes;
    }

    /// <summary>Waits out a soak while watching for an abort; false when one was requested.</summary>
    private async Task<bool> SoakAsync(TimeSpan soak, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + soak;
        while (time.GetUtcNow() < until)
        {
            if (journal.Control(plan.Rollout) == "abort")
            {
                return false;
            }

            var left = until - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            await Task.Delay(left < ControlPoll ? left : ControlPoll, time, cancellationToken);
        }

        return journal.Control(plan.Rollout) != "abort";
    }

    /// <summary>Waits while paused; false once an abort is requested.</summary>
    private async Task<bool> MayStartAsync(CancellationToken cancellationToken)
    {
        var announced = false;
        while (true)
        {
            switch (journal.Control(plan.Rollout))
            {
                case "abort":
                    return false;
                case "pause":
                    if (!announced)
                    {
                        announced = true;
                        journal.SetState(plan.Rollout, RolloutStates.Paused, "paused by request");
                        progress.SetPaused(true);
                    }

                    await Task.Delay(ControlPoll, time, cancellationToken);
                    break;
                default:
                    if (announced)
                    {
                        journal.SetState(plan.Rollout, RolloutStates.Running, "resumed by request");
                        progress.SetPaused(false);
                    }

                    return true;
            }
        }
    }

    private List<PlanNode> Pending(IEnumerable<PlanNode> nodes)
    {
        var done = journal.Nodes(plan.Rollout).Where(n => NodeStates.IsDone(n.State)).Select(n => n.Node).ToHashSet(StringComparer.Ordinal);
        return nodes.Where(n => !done.Contains(n.Name)).ToList();
    }

    private ParallelOptions Parallelism(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = plan.Policy.MaxConcurrency, CancellationToken = cancellationToken };

    private void Phase(string phase)
    {
        journal.SetPhase(plan.Rollout, phase);
        progress.SetPhase(phase);
    }

    private static Verifier NewVerifier(Plan plan, AgentCalls calls, IRolloutJournal journal, ClusterAccess? cluster) =>
        new(plan, calls, cluster?.Kube, node => NodeChecks.Read(journal, plan.Rollout, node));

    private RolloutResult Result() =>
        new(journal.Find(plan.Rollout)!, journal.Nodes(plan.Rollout), _verification, journal.Events(plan.Rollout), journal.Facts(plan.Rollout));
}
