using System.Text.Json.Serialization;

namespace SimFleet;

/// <summary>What a fleet process writes once every agent listens: its nodes, its agentless hosts and its healthz responder.</summary>
internal sealed record SimManifest(int Pid, int HealthPort, IReadOnlyList<SimNode> Agents, IReadOnlyList<SimNode> AgentlessHosts);

[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SimManifest))]
internal sealed partial class SimJsonContext : JsonSerializerContext;
