using NodeAgent.Coordinator.Cluster;

namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>
/// The phases <see cref="RolloutEngine"/> sequences, one class each, made by the composition root.
/// <see cref="LabelPods"/> is null without Kubernetes access; <see cref="Budget"/> is shared by the control-plane and
/// worker phases (the total counts across both).
/// </summary>
internal sealed record RolloutPhases(
    PreflightPhase Preflight,
    BackupPhase Backup,
    CanaryPhase Canary,
    FailureBudget Budget,
    ControlPlanePhase ControlPlane,
    WorkersPhase Workers,
    TolerationRefresh? LabelPods,
    VerifyPhase Verify);
