using System.Text.Json.Serialization;

namespace NodeAgent.Coordinator.Cluster;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, Dictionary<string, string>>>))]
[JsonSerializable(typeof(NodeChecks))]
internal sealed partial class ClusterJsonContext : JsonSerializerContext;
