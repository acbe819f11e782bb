namespace NodeAgent.Coordinator.Distribution;

/// <summary>
/// Chooses the source of each node's fetch of one blob: a holder with a free slot (at most
/// <see cref="DistributionLimits.PeersPerHolder"/> peers each), same zone first, complete holders before ones still
/// fetching, shallow before deep; the origin only when no holder is free (at most
/// <see cref="DistributionLimits.OriginStreams"/> at once). A node starts serving as soon as it starts fetching
/// (pipelined, chunk by chunk), so the tree grows with every assignment and its depth with log N. A source that
/// fails is avoided by that node; one that lies is avoided by every node. Thread-safe; the same code drives the
/// real <c>stage --distribute</c> and the discrete-event model.
/// </summary>
internal sealed class DistributionScheduler
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ScheduledNode> _nodes = new(StringComparer.Ordinal);
    private readonly DistributionLimits _limits;
    private int _originServing;

    public DistributionScheduler(IEnumerable<(string Name, string Zone)> nodes, DistributionLimits limits)
    {
        _limits = limits;
        var order = 0;
        foreach (var (name, zone) in nodes)
        {
            _nodes.Add(name, new ScheduledNode(name, zone, order++));
        }
    }

    /// <summary>Streams the origin served, counted at assignment (re-picks included).</summary>
    public int OriginAssignments { get; private set; }

    /// <summary>Nodes found serving bytes that do not match the chunk list.</summary>
    public IReadOnlyList<string> Liars
    {
        get
        {
            lock (_lock)
            {
                return _nodes.Values.Where(n => n.Liar).Select(n => n.Name).ToList();
            }
        }
    }

    /// <summary>Marks a node that already holds the blob (found by a listing) as a complete holder.</summary>
    public void Holds(string node)
    {
        lock (_lock)
        {
            _nodes[node].State = ScheduledState.Done;
        }
    }

    public bool IsDone(string node)
    {
        lock (_lock)
        {
            return _nodes[node].State == ScheduledState.Done;
        }
    }

    /// <summary>The node's source, booked; null when every allowed source is busy now (ask again after a change).</summary>
    public SourcePick? Assign(string node)
    {
        lock (_lock)
        {
            var self = _nodes[node];
            if (self.State != ScheduledState.Waiting)
            {
                throw new InvalidOperationException($"{node} is {self.State}, not waiting for a source");
            }

            var holder = Best(self);
            if (holder is not null)
            {
                holder.Serving++;
                self.Parent = holder;
                self.Depth = holder.State == ScheduledState.Done ? 1 : holder.Depth + 1;
            }
            else if (_originServing < _limits.OriginStreams && !self.AvoidOrigin)
            {
                _originServing++;
                OriginAssignments++;
                self.Parent = null;
                self.Depth = 1;
            }
            else
            {
                return null;
            }

            self.State = ScheduledState.Fetching;
            self.Attempts++;
            return holder is null ? SourcePick.Origin : new SourcePick(holder.Name);
        }
    }

    /// <summary>Whether a waiting node could ever get a source again (false: give it up).</summary>
    public bool CanRetry(string node)
    {
        lock (_lock)
        {
            var self = _nodes[node];
            return self.Attempts < _limits.MaxAttempts
                && (!self.AvoidOrigin || _nodes.Values.Any(h => h != self && !h.Liar && !self.Avoid.Contains(h.Name) && h.State != ScheduledState.Failed));
        }
    }

    /// <summary>The node's fetch stored the blob: it is a complete holder now.</summary>
    public void Succeeded(string node) => End(node, ScheduledState.Done);

    /// <summary>
    /// The node's fetch stopped short: its source failed (that node avoids it from now on) or lied (every node
    /// avoids it). The node waits for a new source; its verified prefix stays, so the next one resumes it.
    /// </summary>
    public void SourceFailed(string node, bool lied)
    {
        lock (_lock)
        {
            var self = _nodes[node];
            if (self.Parent is { } parent)
            {
                parent.Liar |= lied;
                self.Avoid.Add(parent.Name);
            }
            else
            {
                self.AvoidOrigin = lied;
            }
        }

        End(node, ScheduledState.Waiting);
    }

    /// <summary>The node is given up (unreachable, out of attempts): nobody fetches from it.</summary>
    public void GaveUp(string node) => End(node, ScheduledState.Failed);

    /// <summary>The best free holder for <paramref name="self"/>: same zone, complete, shallow, listed first; null when none is free.</summary>
    private ScheduledNode? Best(ScheduledNode self)
    {
        ScheduledNode? best = null;
        (int, int, int, int) bestKey = default;
        foreach (var h in _nodes.Values)
        {
            var usable = h != self && !h.Liar && h.Serving < _limits.PeersPerHolder && !self.Avoid.Contains(h.Name)
                && (h.State == ScheduledState.Done || (h.State == ScheduledState.Fetching && !FetchesFrom(h, self)));
            if (!usable)
            {
                continue;
            }

            var key = (h.Zone == self.Zone ? 0 : 1, h.State == ScheduledState.Done ? 0 : 1, h.State == ScheduledState.Done ? 0 : h.Depth, h.Order);
            if (best is null || key.CompareTo(bestKey) < 0)
            {
                best = h;
                bestKey = key;
            }
        }

        return best;
    }

    /// <summary>Whether <paramref name="holder"/> fetches, directly or through others still fetching, from <paramref name="node"/>.</summary>
    private static bool FetchesFrom(ScheduledNode holder, ScheduledNode node)
    {
        for (var current = holder; current.State == ScheduledState.Fetching && current.Parent is { } parent; current = parent)
        {
            if (parent == node)
            {
                return true;
            }
        }

        return false;
    }

    private void End(string node, ScheduledState state)
    {
        lock (_lock)
        {
            var self = _nodes[node];
            if (self.State == ScheduledState.Fetching)
            {
                if (self.Parent is { } parent)
                {
                    parent.Serving--;
                }
                else
                {
                    _originServing--;
                }
            }

            self.State = state;
        }
    }
}
