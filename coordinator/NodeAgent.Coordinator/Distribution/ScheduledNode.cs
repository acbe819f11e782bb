namespace NodeAgent.Coordinator.Distribution;

/// <summary>The scheduler's view of one node: its state, source, depth in the tree and the peers it serves.</summary>
internal sealed class ScheduledNode(string name, string zone, int order)
{
    public string Name { get; } = name;

    /// <summary>The inventory's zone label (empty: none); nodes of one zone prefer each other.</summary>
    public string Zone { get; } = zone;

    /// <summary>Position in the inventory: the tie-breaker, so that a schedule is reproducible.</summary>
    public int Order { get; } = order;

    public ScheduledState State { get; set; }

    /// <summary>The holder it fetches from (null: the origin).</summary>
    public ScheduledNode? Parent { get; set; }

    /// <summary>Hops from the origin or from a complete holder.</summary>
    public int Depth { get; set; }

    /// <summary>Peers fetching from it now.</summary>
    public int Serving { get; set; }

    public int Attempts { get; set; }

    /// <summary>Served a chunk that did not match the chunk list: nobody fetches from it again.</summary>
    public bool Liar { get; set; }

    /// <summary>The origin itself served a bad chunk to this node.</summary>
    public bool AvoidOrigin { get; set; }

    /// <summary>Holders that failed this node.</summary>
    public HashSet<string> Avoid { get; } = new(StringComparer.Ordinal);
}
