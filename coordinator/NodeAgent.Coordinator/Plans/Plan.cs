using NodeAgent.Client.Transport;
using NodeAgent.Contracts.Security;

namespace NodeAgent.Coordinator.Plans;

internal static class Roles
{
    public const string ControlPlane = "control-plane";
    public const string Worker = "worker";
}

/// <summary>
/// A file the plan distributes: where it comes from (a local path, or an http(s) URL the coordinator reads and
/// streams on) and what it must hash to. Each agent verifies the digest; a wrong download is never stored.
/// </summary>
/// <see cref="Where"/> is the plan's "file:line:column: key" of the artifact, for problems found after loading.
internal sealed record PlanArtifact(string Name, string Sha256, long Size, string Source, string Where = "")
{
    public bool FromUrl => IsUrl(Source);

    public static bool IsUrl(string source) => source.StartsWith("http://", StringComparison.Ordinal) || source.StartsWith("https://", StringComparison.Ordinal);
}

/// <summary>
/// A component of a role: which artifact goes to which of its file roles, and whether to write the marker.
/// <see cref="Where"/> is the plan's "file:line:column: key" of its name, for problems found after loading (an agent
/// whose catalog lacks it).
/// </summary>
internal sealed record PlanComponent(string Name, IReadOnlyDictionary<string, string> Files, bool Marker, string Where = "");

/// <summary>
/// A node of the inventory and how to reach its agent ("host:port" or "unix:/path"); <see cref="Zone"/> is its
/// optional zone label (nodes of one zone prefer each other as sources in stage --distribute).
/// </summary>
internal sealed record PlanNode(string Name, string Role, string Address, string Zone = "");

/// <summary>A count or a percentage of something (batch size, failure threshold).</summary>
internal readonly record struct Amount(int Value, bool IsPercent)
{
    /// <summary>The amount of <paramref name="total"/>, a percentage rounded up (a batch of 10% of 3 nodes is 1 node).</summary>
    public int Of(int total) => IsPercent ? (int)Math.Ceiling(total * Value / 100.0) : Value;

    /// <summary>The amount of <paramref name="total"/>, a percentage rounded down (a threshold of 10% of 3 failures allows none).</summary>
    public int AtMost(int total) => IsPercent ? (int)Math.Floor(total * Value / 100.0) : Value;

    public override string ToString() => IsPercent ? $"{Value}%" : Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The procedure phases a plan can switch on or off.</summary>
internal static class Phases
{
    public const string Preflight = "preflight";
    public const string Backup = "backup";
    public const string Silence = "silence";
    public const string Controllers = "controllers";
    public const string Canary = "canary";
    public const string ControlPlane = "control-plane";
    public const string Workers = "workers";
    public const string LabelPods = "label-pods";
    public const string Verify = "verify";

    /// <summary>In the order they run.</summary>
    public static readonly IReadOnlyList<string> All = [Preflight, Backup, Silence, Controllers, Canary, ControlPlane, Workers, LabelPods, Verify];
}

internal sealed record RolloutPolicy(
    IReadOnlyList<string> CanaryNodes,
    int CanaryCount,
    Amount BatchSize,
    int MaxConcurrency,
    Amount FailuresPerBatch,
    Amount FailuresTotal,
    TimeSpan SoakAfterCanary,
    TimeSpan SoakBetweenBatches,
    TimeSpan HealthTimeout,
    TimeSpan CallTimeout,
    int Retries,
    bool RollbackOnFailure,
    IReadOnlyList<string> Phases,
    TimeSpan ClaimTtl = default,
    bool AllowDowngrade = false)
{
    /// <summary>How long a node claim lasts unless renewed (renewed every third of it while the rollout runs).</summary>
    public TimeSpan ClaimTtlOrDefault => ClaimTtl > TimeSpan.Zero ? ClaimTtl : TimeSpan.FromMinutes(2);
}

/// <summary>The plan's release signature: until when it is valid, and the signature itself.</summary>
internal sealed record PlanSignature(DateTimeOffset Expires, ReadOnlyMemory<byte> Value);

/// <summary>A validated rollout plan.</summary>
internal sealed record Plan(
    string Rollout,
    string TargetVersion,
    IReadOnlyList<PlanArtifact> Artifacts,
    IReadOnlyDictionary<string, IReadOnlyList<PlanComponent>> Components,
    IReadOnlyList<PlanNode> Inventory,
    RolloutPolicy Policy,
    string Digest,
    ClientTlsFiles? Tls = null,
    PlanSignature? Signature = null,
    ClusterPlan? ClusterSection = null)
{
    public ClusterPlan Cluster => ClusterSection ?? ClusterPlan.None;

    /// <summary>What the release key signs: the target version, an expiry, and every (component, file role, digest) the plan installs.</summary>
    public ReleaseManifest ManifestUntil(DateTimeOffset expires) => new(
        TargetVersion,
        expires,
        Components.Values.SelectMany(list => list)
            .SelectMany(c => c.Files.Select(f => new ManifestFile(c.Name, f.Key, Artifact(f.Value).Sha256)))
            .Distinct()
            .ToList());

    public PlanArtifact Artifact(string name) => Artifacts.First(a => a.Name == name);

    public IReadOnlyList<PlanComponent> ComponentsOf(PlanNode node) => Components.GetValueOrDefault(node.Role) ?? [];

    public bool Runs(string phase) => Policy.Phases.Contains(phase);
}
