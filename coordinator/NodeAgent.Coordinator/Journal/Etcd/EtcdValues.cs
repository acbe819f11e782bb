namespace NodeAgent.Coordinator.Journal.Etcd;

/// <summary>A node's value in etcd: its record and its place in the plan's order (keys sort by name, the report by plan).</summary>
internal sealed record EtcdNodeValue(int Order, NodeRecord Node);

/// <summary>The leader key's value: who leads, since when, on which lease.</summary>
internal sealed record LeaderValue(string Holder, long Lease, int TtlSeconds, DateTimeOffset Since);

/// <summary>The rollout's value in etcd: its record, and what decides behaviour (runs feed operation ids) as fields of their own.</summary>
internal sealed record EtcdRolloutValue(RolloutRecord Rollout, int Runs, DateTimeOffset? CanaryPassedAt);
