using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// Upgrades one node: each of its role's components in plan order, through the agent's Apply (which rolls a
/// component back by itself when it does not become healthy). When a component fails and the policy says so,
/// the components already upgraded on that node are rolled back too, so the node ends wholly on one version.
/// </summary>
internal sealed class NodeUpgrader(Plan plan, IAgentClient calls, IRolloutJournal journal, IRolloutObserver progress, TimeProvider time, ClaimOwner owner, Verifier verifier)
{
    private readonly NodeRollback _rollback = new(plan, calls, owner);

    private readonly Lazy<byte[]> _manifest = new(() => plan.Signature is { } signature ? plan.ManifestUntil(signature.Expires).ToCanonicalBytes() : []);

    public async Task<NodeOutcome> UpgradeAsync(PlanNode node, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var attempt = journal.StartNode(plan.Rollout, node.Name);
        progress.NodeStarted(node.Name, plan.ComponentsOf(node).Select(c => c.Name));
        var from = "";
        var restarts = 0;
        var applies = new List<Operation>();
        string? failure = null;
        var unknown = false;
        foreach (var component in plan.ComponentsOf(node))
        {
            var request = ApplyRequest(node, component, attempt);
            var result = await calls.ApplyAsync(node, request, e => progress.Step(node.Name, component.Name, request.OperationId, e.Step, e.Message), cancellationToken);
            if (!result.Ok && result.Refused)
            {
                failure = $"{component.Name}: refused: {result.Error}";
                break;
            }

            if (!result.Ok)
            {
                // No answer (unreachable, deadline): the agent may still be running the operation. The node stays
                // in flight, so that the next run re-sends the same operation ids and learns the outcome.
                failure = $"{component.Name}: {result.Error}; the outcome is unknown, run rollout again to reconcile";
                unknown = true;
                break;
            }

            var op = result.Value!;
            applies.Add(op);
            from = from.Length > 0 ? from : op.FromVersion;
            if (op.State != OperationState.Succeeded)
            {
                failure = $"{component.Name}: {State(op.State)}: {op.Message}";
                break;
            }

            if (op.Changed)
            {
                restarts++;
            }
        }

        if (failure is null && await verifier.CheckComponentsAsync(node, cancellationToken) is { } unhealthy)
        {
            failure = $"verification after the apply: {unhealthy}";
        }

        var state = NodeStates.Succeeded;
        if (unknown)
        {
            state = NodeStates.InFlight;
        }
        else if (failure is not null)
        {
            (state, var notes) = await FailAsync(node, attempt, cancellationToken);
            failure += notes;
        }

        if (applies.Any(a => a.Changed))
        {
            // Only an apply that changed something restarted the component and measured around it; a node already
            // at the target keeps the figures of the run that upgraded it.
            NodeChecks.From(applies.Where(a => a.Changed)).Write(journal, plan.Rollout, node.Name);
        }

        var outcome = new NodeOutcome(node.Name, state, from, failure is null ? plan.TargetVersion : from, failure ?? "", restarts, time.GetUtcNow() - started);
        if (state == NodeStates.InFlight)
        {
            journal.NoteNode(plan.Rollout, node.Name, outcome.Reason);
        }
        else
        {
            journal.FinishNode(plan.Rollout, node.Name, outcome.State, outcome.FromVersion, outcome.ToVersion, outcome.Reason, outcome.Restarts);
        }

        if (state == NodeStates.InFlight)
        {
            progress.NodeInFlight(node.Name, outcome.Duration, outcome.Reason);
        }
        else
        {
            progress.NodeFinished(node.Name, outcome.Ok, outcome.Duration, outcome.Reason);
        }

        return outcome;
    }

    /// <summary>A node whose claim another rollout holds: failed without a call, nothing was touched.</summary>
    public NodeOutcome Refused(PlanNode node, string why)
    {
        journal.StartNode(plan.Rollout, node.Name);
        progress.NodeStarted(node.Name, plan.ComponentsOf(node).Select(c => c.Name));
        var reason = $"refused: {why}; nothing was touched";
        journal.FinishNode(plan.Rollout, node.Name, NodeStates.Failed, "", "", reason, 0);
        progress.NodeFinished(node.Name, false, TimeSpan.Zero, reason);
        return new NodeOutcome(node.Name, NodeStates.Failed, "", "", reason, 0, TimeSpan.Zero);
    }

    /// <summary>
    /// A node that failed after (part of) its apply: rolled back when the policy says so. Returns the node's state and
    /// what the rollback did, in words for the report.
    /// </summary>
    public async Task<(string State, string Notes)> FailAsync(PlanNode node, int attempt, CancellationToken cancellationToken)
    {
        if (!plan.Policy.RollbackOnFailure)
        {
            return (NodeStates.Failed, "; not rolled back (policy.rollbackOnFailure is false)");
        }

        var rollback = await _rollback.RunAsync(node, attempt, cancellationToken);
        return (rollback.AnyChanged && rollback.AllRolledBack ? NodeStates.RolledBack : NodeStates.Failed, $"; {rollback.Notes}");
    }

    private ApplyRequest ApplyRequest(PlanNode node, PlanComponent component, int attempt)
    {
        var request = new ApplyRequest
        {
            OperationId = OperationIds.For(plan.Rollout, node.Name, component.Name, "apply", attempt),
            Component = component.Name,
            TargetVersion = plan.TargetVersion,
            Marker = new MarkerOptions { Write = component.Marker },
            HealthTimeout = Duration.FromTimeSpan(plan.Policy.HealthTimeout),
            ConnectionSoak = Duration.FromTimeSpan(plan.Cluster.Gates.ConnectionSoak),
            Claim = owner.Ref(),
            AllowDowngrade = plan.Policy.AllowDowngrade,
        };
        foreach (var (role, artifact) in component.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            request.Files.Add(new TargetFile { Role = role, Sha256 = plan.Artifact(artifact).Sha256 });
        }

        if (plan.Signature is { } signature)
        {
            request.SignedManifest = new SignedManifest { Manifest = ByteString.CopyFrom(_manifest.Value), Signature = ByteString.CopyFrom(signature.Value.Span) };
        }

        return request;
    }

    internal static string State(OperationState state) => state switch
    {
        OperationState.Succeeded => "succeeded",
        OperationState.Failed => "failed",
        OperationState.RolledBack => "rolled back",
        OperationState.RollbackFailed => "ROLLBACK FAILED",
        _ => "running",
    };
}
