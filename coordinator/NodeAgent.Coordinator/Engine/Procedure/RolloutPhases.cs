using NodeAgent.Coordinator.Cluster;

namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>
/// The steps <see cref="RolloutEngine"/> sequences, made by the composition root. The cluster steps
/// (<see cref="Placement"/>, <see cref="EtcdBackup"/>, <see cref="LabelPods"/>) are null when the plan has no
/// Kubernetes access or no etcd section.
/// </summary>
internal sealed record RolloutPhases(
    Preflight Preflight,
    PlacementPreflight? Placement,
    bool FixLabels,
    BackupPhase Backup,
    EtcdBackupStep? EtcdBackup,
    RolloutControl Control,
    NodeBatch Upgrade,
    NodeUpgrader Upgrader,
    Verifier Verifier,
    FailureBudget Budget,
    ControlPlanePhase ControlPlane,
    WorkersPhase Workers,
    TolerationRefresh? LabelPods,
    VerifyPhase Verify);
