using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>
/// The backup phase: the pending nodes' components (<see cref="NodeBackups"/>), then, with an etcd section, one etcd
/// snapshot. A failure of either stops the rollout before any node is upgraded.
/// </summary>
internal sealed class BackupPhase(NodeBackups nodes, EtcdBackupStep? etcd)
{
    public async Task<PhaseOutcome?> RunAsync(IReadOnlyList<PlanNode> pending, CancellationToken cancellationToken)
    {
        var failures = await nodes.RunAsync(pending, cancellationToken);
        if (failures.Count > 0)
        {
            return PhaseOutcome.Failed($"backup failed on {failures.Count} component(s); no node was upgraded in this run: {string.Join("; ", failures.Take(5))}");
        }

        if (etcd is null)
        {
            return null;
        }

        try
        {
            await etcd.RunAsync(cancellationToken);
            return null;
        }
        catch (Exception ex) when (ex is CoordinatorException and not Journal.Etcd.LeadershipLostException or IOException or UnauthorizedAccessException)
        {
            return PhaseOutcome.Failed($"etcd snapshot failed; nothing was upgraded: {ex.Message}");
        }
    }
}
