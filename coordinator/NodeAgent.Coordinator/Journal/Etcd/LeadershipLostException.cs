
namespace NodeAgent.Coordinator.Journal.Etcd;

/// <summary>
/// This coordinator is no longer the rollout's leader (its lease expired, or another took over): it must stop at once,
/// undo nothing, and leave the rollout to the new leader. Thrown by every journal write that its fencing refuses.
/// </summary>
internal sealed class LeadershipLostException(string message) : CoordinatorException(message);
