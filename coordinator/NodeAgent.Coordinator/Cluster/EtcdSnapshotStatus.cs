using System.Text.Json.Serialization;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>The JSON that <c>etcdctl snapshot status FILE -w json</c> prints.</summary>
internal sealed record EtcdSnapshotStatus(long Hash, long Revision, long TotalKey, long TotalSize);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EtcdSnapshotStatus))]
internal sealed partial class EtcdJsonContext : JsonSerializerContext;
