namespace NodeAgent.Coordinator.Cluster;

/// <summary>The rollout's connection to the Kubernetes API and whether the preflight may add missing node labels.</summary>
internal sealed record ClusterAccess(KubeCluster Kube, bool FixLabels);
