namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// A verified etcd v3 snapshot on disk: its SHA-256 and size, and what <c>etcdctl snapshot status</c> says of it
/// (<paramref name="Hash"/> in decimal, as its JSON output prints it). <paramref name="Endpoint"/> is the member it
/// was saved from, or null for a snapshot found on disk from an earlier run.
/// </summary>
internal sealed record EtcdSnapshot(
    string Path,
    string Sha256,
    long Bytes,
    string Hash,
    long Revision,
    long TotalKeys,
    long TotalSize,
    string? Endpoint);
