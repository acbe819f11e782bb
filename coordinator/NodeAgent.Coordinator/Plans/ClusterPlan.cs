namespace NodeAgent.Coordinator.Plans;

/// <summary>How the coordinator reaches the Kubernetes API: a kubeconfig file (and context), or the in-cluster service account.</summary>
internal sealed record KubernetesAccess(string? Kubeconfig, string? Context, bool InCluster);

/// <summary>What the cluster preflight checks, and whether it may add the node labels pods select on.</summary>
internal sealed record ClusterPreflight(bool MatchNodeSelector, bool Tolerations, bool FixLabels);

/// <summary>The etcd snapshot of the backup phase.</summary>
internal sealed record EtcdBackup(string Etcdctl, IReadOnlyList<string> Endpoints, string SnapshotDirectory, string? CaCert, string? Cert, string? Key, TimeSpan Timeout);

/// <summary>A label matcher of an Alertmanager silence.</summary>
internal sealed record PlanSilenceMatcher(string Name, string Value, bool IsRegex, bool IsEqual);

/// <summary>The Alertmanager silence held over the rollout window.</summary>
internal sealed record AlertSilencePlan(Uri Url, IReadOnlyList<PlanSilenceMatcher> Matchers, TimeSpan Duration, string CreatedBy, string Comment);

/// <summary>What the canary gate requires of the canary nodes beyond health and version.</summary>
internal sealed record ClusterGates(int? MaxContainerRestarts, bool RequireContainerCheck, double? MaxConnectionGrowth, TimeSpan ConnectionSoak, bool ConnectionGrowthFails = true);

/// <summary>
/// The plan's <c>cluster:</c> section: the steps that touch the cluster rather than one node. Every part is
/// optional; a phase whose part is missing is skipped and says so.
/// </summary>
internal sealed record ClusterPlan(
    KubernetesAccess? Kubernetes,
    ClusterPreflight Preflight,
    string PodLabel,
    IReadOnlyList<string> Controllers,
    EtcdBackup? Etcd,
    AlertSilencePlan? Silence,
    ClusterGates Gates)
{
    /// <summary>The label the toleration phase puts on pods (the value is the rollout id).</summary>
    public const string DefaultPodLabel = "nodeagent.io/tolerations-refreshed";

    public static readonly IReadOnlyList<string> DefaultControllers = ["kube-controller-manager", "kube-scheduler"];

    public static ClusterPlan None { get; } = new(null, new ClusterPreflight(true, true, false), DefaultPodLabel, DefaultControllers, null, null, new ClusterGates(0, false, null, TimeSpan.Zero));
}
