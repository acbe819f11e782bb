namespace NodeAgent.Coordinator.Engine;

/// <summary>How long one node of a role takes (restart to healthy, all its components), and from where: given, or a journaled rollout.</summary>
internal sealed record RoleTime(string Role, TimeSpan PerNode, string Source);
