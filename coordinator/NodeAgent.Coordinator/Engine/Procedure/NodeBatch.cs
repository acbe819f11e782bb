using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>Upgrades nodes with bounded concurrency (claimed first, after pause and abort); null when an abort was requested.</summary>
internal delegate Task<IReadOnlyList<NodeOutcome>?> NodeBatch(IReadOnlyList<PlanNode> nodes, CancellationToken cancellationToken);
