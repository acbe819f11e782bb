namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// How to reach etcd for a snapshot. <paramref name="Endpoints"/> are tried in order (etcdctl 3.4 saves a snapshot
/// from one member only); <paramref name="Timeout"/> bounds each etcdctl command, the snapshot download included.
/// </summary>
internal sealed record EtcdOptions(
    string Etcdctl,
    IReadOnlyList<string> Endpoints,
    string SnapshotDirectory,
    string? CaCert,
    string? Cert,
    string? Key,
    TimeSpan Timeout);
