using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// The etcd part of the backup phase: one verified v3 snapshot per rollout, named after it. A resumed rollout keeps
/// the snapshot an earlier run took when the file still has the recorded digest, and takes a new one otherwise.
/// </summary>
internal sealed class EtcdBackupStep(string rollout, EtcdBackup etcd, IRolloutJournal journal, IRolloutObserver progress, TimeProvider time)
{
    public const string Fact = "etcd-snapshot";
    private const string DigestFact = "_etcd-snapshot-sha256";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var snapshots = new EtcdSnapshots(new EtcdOptions(etcd.Etcdctl, etcd.Endpoints, etcd.SnapshotDirectory, etcd.CaCert, etcd.Cert, etcd.Key, etcd.Timeout), time);
        var name = $"{rollout}-etcd";
        if (journal.Fact(rollout, "", DigestFact) is { } digest && await snapshots.FindAsync(name, digest, cancellationToken) is { } earlier)
        {
            progress.Say($"backup: etcd snapshot of an earlier run kept: {earlier.Path}");
            return;
        }

        var snapshot = await snapshots.SaveAsync(name, cancellationToken);
        var summary = $"{snapshot.Path}: sha256 {snapshot.Sha256}, {snapshot.Bytes} bytes, revision {snapshot.Revision}, {snapshot.TotalKeys} keys, etcd hash {snapshot.Hash}, verified with etcdctl snapshot status";
        journal.SetFact(rollout, "", DigestFact, snapshot.Sha256);
        journal.SetFact(rollout, "", Fact, summary);
        journal.AddEvent(rollout, $"backup: etcd snapshot {summary}");
        progress.Say($"backup: etcd snapshot {snapshot.Path} ({snapshot.Bytes} bytes, revision {snapshot.Revision})");
    }
}
