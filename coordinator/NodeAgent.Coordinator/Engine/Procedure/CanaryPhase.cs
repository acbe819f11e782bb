using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>
/// The canary phase: the control-plane canaries one at a time (the hooks after each), then the worker canaries
/// together, a soak, and the gate. A gate passed in an earlier run is not soaked again; a canary that fails the gate is
/// rolled back when the policy says so, and journaled as failed with why.
/// </summary>
internal sealed class CanaryPhase(
    Plan plan,
    IRolloutJournal journal,
    IRolloutObserver progress,
    RolloutControl control,
    HookSteps hooks,
    NodeBatch upgrade,
    NodeUpgrader upgrader,
    Verifier verifier)
{
    private const string CanaryGatePassed = "canary gate passed";

    /// <summary>Runs the canary; <paramref name="pending"/> are the canaries not done in an earlier run.</summary>
    public async Task<PhaseOutcome?> RunAsync(IReadOnlyList<PlanNode> canaries, IReadOnlyList<PlanNode> pending, CancellationToken cancellationToken)
    {
        if (journal.CanaryGatePassed(plan.Rollout))
        {
            progress.Say("canary gate passed in an earlier run; not soaking again");
            return null;
        }

        var outcomes = new List<NodeOutcome>();
        foreach (var group in pending.Where(n => n.Role == Roles.ControlPlane).Select(n => (IReadOnlyList<PlanNode>)[n]).Append(pending.Where(n => n.Role == Roles.Worker).ToList()))
        {
            var done = await upgrade(group, cancellationToken);
            if (done is null)
            {
                return PhaseOutcome.Aborted("aborted by request during the canary");
            }

            outcomes.AddRange(done);
            if (done.Any(o => !o.Ok))
            {
                break;
            }

            if (group.Any(n => n.Role == Roles.ControlPlane) && await hooks.AfterControlPlaneNodeAsync(cancellationToken) is { } hookFailed)
            {
                return hookFailed;
            }
        }

        var failed = outcomes.Where(o => !o.Ok).ToList();
        if (failed.Count > 0)
        {
            return PhaseOutcome.Failed($"canary failed; no other node was touched: {string.Join("; ", failed.Select(f => $"{f.Node}: {f.Reason}"))}");
        }

        progress.Say($"soaking the canary for {plan.Policy.SoakAfterCanary}");
        if (!await control.SoakAsync(plan.Policy.SoakAfterCanary, cancellationToken))
        {
            return PhaseOutcome.Aborted("aborted by request during the canary soak");
        }

        return await GateAsync(canaries, cancellationToken);
    }

    private async Task<PhaseOutcome?> GateAsync(IReadOnlyList<PlanNode> canaries, CancellationToken cancellationToken)
    {
        var gate = await verifier.VerifyAsync(canaries, cancellationToken);
        var bad = gate.Where(g => !g.Ok).ToList();
        progress.Say($"canary gate: {gate.Count - bad.Count} of {gate.Count} node(s) healthy at {plan.TargetVersion}");
        if (bad.Count > 0)
        {
            var gateFailures = new List<string>();
            foreach (var verification in bad)
            {
                gateFailures.Add(await FailAsync(canaries.First(n => n.Name == verification.Node), verification.Detail, cancellationToken));
            }

            return PhaseOutcome.Failed($"canary gate failed after the soak; no other node was touched: {string.Join("; ", gateFailures)}");
        }

        journal.PassCanaryGate(plan.Rollout);
        journal.AddEvent(plan.Rollout, CanaryGatePassed);
        return null;
    }

    /// <summary>A canary that failed the gate after its soak: rolled back when the policy says so, and journaled as failed with why.</summary>
    private async Task<string> FailAsync(PlanNode node, string detail, CancellationToken cancellationToken)
    {
        var attempt = journal.Nodes(plan.Rollout).Single(n => n.Node == node.Name).Attempt;
        var (state, notes) = await upgrader.FailAsync(node, attempt, cancellationToken);
        journal.MarkNode(plan.Rollout, node.Name, state, $"canary gate failed after the soak: {detail}{notes}");
        progress.Say($"{node.Name}: canary gate failed after the soak: {detail}{notes}");
        return $"{node.Name}: {detail}{notes}";
    }
}
