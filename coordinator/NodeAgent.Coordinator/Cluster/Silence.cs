namespace NodeAgent.Coordinator.Cluster;

/// <summary>A silence as Alertmanager reports it; <paramref name="State"/> is "active", "pending" or "expired".</summary>
internal sealed record Silence(string Id, string State, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Comment);
