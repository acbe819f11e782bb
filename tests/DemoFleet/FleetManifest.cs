using System.Text.Json.Serialization;

namespace DemoFleet;

/// <summary>A node of the fleet and how to reach its agent.</summary>
public sealed record FleetNode(string Name, string Role, string Address);

/// <summary>A file of the target version, ready to be staged.</summary>
public sealed record FleetArtifact(string Name, string Path, string Sha256, long Size);

/// <summary>What the fleet writes to fleet.json once every agent answers: the inventory and the artifacts of the upgrade.</summary>
public sealed record FleetManifest(string FromVersion, string TargetVersion, IReadOnlyList<FleetNode> Nodes, IReadOnlyList<FleetArtifact> Artifacts);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FleetManifest))]
public sealed partial class FleetJsonContext : JsonSerializerContext;
