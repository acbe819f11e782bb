using System.Text.Json.Serialization;
using NodeAgent.Marker;
using NodeAgent.Operations;
using NodeAgent.Store;

namespace NodeAgent;

/// <summary>Source-generated JSON for everything the agent writes to disk (trim- and AOT-safe).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OperationRecord))]
[JsonSerializable(typeof(BlobMetadata))]
[JsonSerializable(typeof(MarkerContent))]
internal sealed partial class AgentJsonContext : JsonSerializerContext;
