using Google.Protobuf.WellKnownTypes;
using NodeAgent.Client.Concurrency;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Claims;

/// <summary>
/// Holds the node claims of one run: acquired one node at a time in node-name order before anything is touched (two
/// rollouts racing for the same nodes meet at the first node they share, so one gets them all and the other is refused
/// with the owner's name, never half of each), renewed every third of their lifetime while the run goes on, and
/// released when the rollout ends. A node that does not answer is claimed when its turn comes (it fails then, as it
/// would have); a node whose claim is lost while running is no longer held, and nothing is undone there.
/// </summary>
internal sealed class ClaimKeeper(Plan plan, IAgentClient calls, ClaimOwner owner, IRolloutJournal journal, IRolloutObserver progress, TimeProvider time) : IAsyncDisposable
{
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private CancellationTokenSource? _renewal;
    private Task? _renewing;

    public ClaimOwner Owner => owner;

    /// <summary>The nodes this run holds the claim of now.</summary>
    public IReadOnlySet<string> Held
    {
        get
        {
            lock (_held)
            {
                return _held.ToHashSet(StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Claims every node of the plan; null when all are held, otherwise why not (and nothing newly claimed is kept).</summary>
    public async Task<string?> AcquireAsync(CancellationToken cancellationToken)
    {
        var acquired = new List<PlanNode>();
        foreach (var node in plan.Inventory.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            var result = await AcquireAsync(node, cancellationToken);
            if (!result.Ok && !result.Refused)
            {
                journal.AddEvent(owner.RolloutId, $"claims: {node.Name} did not answer ({result.Error}); claimed when its turn comes");
                continue;
            }

            if (!result.Ok)
            {
                await ReleaseAsync(acquired, cancellationToken);
                var why = $"could not claim node {node.Name} for rollout {owner.RolloutId}: {result.Error}";
                journal.AddEvent(owner.RolloutId, $"claims: {why}");
                return why;
            }

            acquired.Add(node);
            lock (_held)
            {
                _held.Add(node.Name);
            }
        }

        var claimed = $"claims: {acquired.Count} of {plan.Inventory.Count} node(s) claimed with fencing number {owner.Fencing} by {owner.Holder}";
        journal.AddEvent(owner.RolloutId, claimed);
        progress.Say(claimed);
        _renewal = new CancellationTokenSource();
        _renewing = RenewAsync(_renewal.Token);
        return null;
    }

    /// <summary>
    /// Right before a node is touched: null when this run holds its claim (or takes it now), otherwise why not. A node
    /// that still does not answer is let through: the call that follows fails the way an unreachable node always did.
    /// </summary>
    public async Task<string?> EnsureAsync(PlanNode node, CancellationToken cancellationToken)
    {
        if (Held.Contains(node.Name))
        {
            return null;
        }

        var result = await AcquireAsync(node, cancellationToken);
        if (result.Ok)
        {
            lock (_held)
            {
                _held.Add(node.Name);
            }
        }

        return result.Ok || !result.Refused ? null : $"could not claim node {node.Name}: {result.Error}";
    }

    /// <summary>Stops renewing and gives every held claim back (the rollout has ended).</summary>
    public async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        await StopRenewingAsync();
        var held = Held;
        await ReleaseAsync(plan.Inventory.Where(n => held.Contains(n.Name)).ToList(), cancellationToken);
        if (held.Count > 0)
        {
            journal.AddEvent(owner.RolloutId, $"claims: released {held.Count} node(s)");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopRenewingAsync();
    }

    private Task<CallResult<AcquireClaimResponse>> AcquireAsync(PlanNode node, CancellationToken cancellationToken) =>
        calls.AcquireClaimAsync(
            node,
            new AcquireClaimRequest
            {
                RolloutId = owner.RolloutId,
                JournalId = owner.JournalId,
                Holder = owner.Holder,
                Fencing = owner.Fencing,
                Ttl = Duration.FromTimeSpan(plan.Policy.ClaimTtlOrDefault),
            },
            cancellationToken);

    private async Task ReleaseAsync(IReadOnlyList<PlanNode> nodes, CancellationToken cancellationToken)
    {
        // A claim that cannot be released runs out by itself within its lifetime.
        await FanOut.RunAsync(nodes, plan.Policy.MaxConcurrency, (node, ct) => calls.ReleaseClaimAsync(node, new ReleaseClaimRequest { Claim = owner.Ref() }, ct), cancellationToken);
        lock (_held)
        {
            _held.ExceptWith(nodes.Select(n => n.Name));
        }
    }

    private async Task RenewAsync(CancellationToken stop)
    {
        var every = plan.Policy.ClaimTtlOrDefault / 3;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, time, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var held = Held;
            var nodes = plan.Inventory.Where(n => held.Contains(n.Name)).ToList();
            var renewed = await FanOut.RunAsync(nodes, plan.Policy.MaxConcurrency, (node, _) => AcquireAsync(node, CancellationToken.None), CancellationToken.None);
            foreach (var (node, lost) in nodes.Zip(renewed).Where(r => !r.Second.Ok && r.Second.Refused))
            {
                lock (_held)
                {
                    _held.Remove(node.Name);
                }

                journal.AddEvent(owner.RolloutId, $"claims: LOST the claim of {node.Name}: {lost.Error}");
                progress.Say($"claims: lost the claim of {node.Name}: {lost.Error}");
            }
        }
    }

    private async Task StopRenewingAsync()
    {
        if (_renewal is null)
        {
            return;
        }

        await _renewal.CancelAsync();
        await _renewing!;
        _renewal.Dispose();
        _renewal = null;
    }
}
