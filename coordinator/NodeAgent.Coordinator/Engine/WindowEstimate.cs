namespace NodeAgent.Coordinator.Engine;

/// <summary>A plan's expected window: its critical path, and each role's per-node time with where that time came from.</summary>
internal sealed record WindowEstimate(CriticalPathParts Path, IReadOnlyList<RoleTime> Roles);

