namespace NodeAgent.Coordinator.Engine;

/// <summary>A plan's expected window: its critical path, and each role's per-node time with where that time came from.</summary>
internal sealed record WindowEstimate(CriticalPathParts Path, IReadOnlyList<RoleTime> Roles);

/// <summary>How long one node of a role takes (restart to healthy, all its components), and from where: given, or a journaled rollout.</summary>
internal sealed record RoleTime(string Role, TimeSpan PerNode, string Source);
