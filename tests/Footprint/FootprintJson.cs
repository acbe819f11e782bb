using System.Text.Json.Serialization;

namespace Footprint;

[JsonSerializable(typeof(Dictionary<string, double>))]
internal sealed partial class FootprintJson : JsonSerializerContext;
