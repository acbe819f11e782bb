using NodeAgent.Contracts.V1;

namespace NodeAgent.Tests.Engine;

/// <summary>The script of one fake agent: what it runs, how it answers, how long its applies take.</summary>
internal sealed class FakeNode(string name, IReadOnlyList<string> components, string version)
{
    public string Name { get; } = name;

    public IReadOnlyList<string> Components { get; } = components;

    /// <summary>The version each component runs now.</summary>
    public Dictionary<string, string> Versions { get; } = components.ToDictionary(c => c, _ => version, StringComparer.Ordinal);

    /// <summary>No call reaches the agent (as a stopped agent or a cut network).</summary>
    public bool Unreachable { get; set; }

    /// <summary>Applies of these components fail (the agent rolls them back by itself).</summary>
    public HashSet<string> FailApply { get; } = new(StringComparer.Ordinal);

    /// <summary>An apply answers nothing after it was started: the outcome is unknown to the coordinator.</summary>
    public bool LoseApplyAnswer { get; set; }

    public bool FailBackup { get; set; }

    public bool RefuseClaim { get; set; }

    /// <summary>Components report unhealthy from this fake instant on (a canary that degrades during its soak).</summary>
    public DateTimeOffset? UnhealthyFrom { get; set; }

    /// <summary>After its last apply, the node answers this many health probes healthy, then unhealthy (it degrades during a soak).</summary>
    public int? HealthyProbesAfterApply { get; set; }

    /// <summary>Health probes answered since the node's last apply.</summary>
    public int ProbesSinceApply { get; set; }

    /// <summary>A component busy with another operation (preflight refuses it).</summary>
    public string BusyOperationId { get; set; } = "";

    /// <summary>Artifacts are staged on the node (preflight refuses a node without them).</summary>
    public bool Staged { get; set; } = true;

    public TimeSpan ApplyLatency { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long every call to this agent takes before it is answered (a slow network or a busy agent), on top of any seeded jitter.</summary>
    public TimeSpan CallLatency { get; set; }

    /// <summary>Draws this node's seeded per-call jitter (<see cref="FakeAgentClient.SeedLatencies"/>); null: none.</summary>
    public Random? Jitter { get; set; }

    public TimeSpan MaxJitter { get; set; }

    /// <summary>Operation ids the agent still runs and never finishes (the reconcile finds them).</summary>
    public List<string> StuckOperations { get; } = [];

    /// <summary>The node's operations, oldest first (the newest per component answers LatestAsync).</summary>
    public List<Operation> History { get; } = [];
}
