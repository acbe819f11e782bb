using NodeAgent.Coordinator.Engine.Procedure;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>The canary phase: the canaries one control-plane node at a time, then the worker canaries, a soak, and the gate.</summary>
internal sealed partial class RolloutEngine
{
    private const string CanaryGatePassed = "canary gate passed";

    private async Task<PhaseOutcome?> CanaryAsync(IReadOnlyList<PlanNode> canaries, CancellationToken cancellationToken)
    {
        Phase(Phases.Canary);
        if (journal.CanaryGatePassed(plan.Rollout))
        {
            progress.Say("canary gate passed in an earlier run; not soaking again");
            return null;
        }

        // Control-plane canaries go one at a time (never two API servers restarting at once), then the worker canaries.
        var outcomes = new List<NodeOutcome>();
        var pending = Pending(canaries);
        foreach (var group in pending.Where(n => n.Role == Roles.ControlPlane).Select(n => (IReadOnlyList<PlanNode>)[n]).Append(pending.Where(n => n.Role == Roles.Worker).ToList()))
        {
            var done = await phases.Upgrade(group, cancellationToken);
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
        if (!await phases.Control.SoakAsync(plan.Policy.SoakAfterCanary, cancellationToken))
        {
            return PhaseOutcome.Aborted("aborted by request during the canary soak");
        }

        var gate = await phases.Verifier.VerifyAsync(canaries, cancellationToken);
        var bad = gate.Where(g => !g.Ok).ToList();
        progress.Say($"canary gate: {gate.Count - bad.Count} of {gate.Count} node(s) healthy at {plan.TargetVersion}");
        if (bad.Count > 0)
        {
            var gateFailures = new List<string>();
            foreach (var verification in bad)
            {
                gateFailures.Add(await FailCanaryAsync(canaries.First(n => n.Name == verification.Node), verification.Detail, cancellationToken));
            }

            return PhaseOutcome.Failed($"canary gate failed after the soak; no other node was touched: {string.Join("; ", gateFailures)}");
        }

        journal.PassCanaryGate(plan.Rollout);
        journal.AddEvent(plan.Rollout, CanaryGatePassed);
        return null;
    }

    /// <summary>A canary that failed the gate after its soak: rolled back when the policy says so, and journaled as failed with why.</summary>
    private async Task<string> FailCanaryAsync(PlanNode node, string detail, CancellationToken cancellationToken)
    {
        var attempt = journal.Nodes(plan.Rollout).Single(n => n.Node == node.Name).Attempt;
        var (state, notes) = await phases.Upgrader.FailAsync(node, attempt, cancellationToken);
        journal.MarkNode(plan.Rollout, node.Name, state, $"canary gate failed after the soak: {detail}{notes}");
        progress.Say($"{node.Name}: canary gate failed after the soak: {detail}{notes}");
        return $"{node.Name}: {detail}{notes}";
    }
}
