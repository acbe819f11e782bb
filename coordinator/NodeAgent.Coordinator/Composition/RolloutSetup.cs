using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Composition;

/// <summary>
/// What a rollout is built from: the plan, the agents, the journal, who watches, the cluster hooks, the clock, this
/// run's claim owner and, with Kubernetes access, the cluster. <see cref="RolloutComposition"/> makes the rest.
/// </summary>
internal sealed record RolloutSetup(
    Plan Plan,
    string PlanPath,
    IAgentClient Agents,
    IRolloutJournal Journal,
    IRolloutObserver Observer,
    IReadOnlyList<IRolloutHook> Hooks,
    TimeProvider Time,
    ClaimOwner Owner,
    ClusterAccess? Cluster = null);
