using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace NodeAgent.CommandLine;

/// <summary>
/// A protobuf message as JSON for scripts: the standard JSON mapping, every field present, but 64-bit integers as
/// numbers rather than the strings proto3 JSON prescribes (jq and most scripts compare them as numbers).
/// </summary>
internal static class ProtoJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static JsonNode ToNode(IMessage message)
    {
        var node = JsonNode.Parse(Formatter.Format(message))!;
        Fix(node, message.Descriptor);
        return node;
    }

    private static void Fix(JsonNode node, MessageDescriptor descriptor)
    {
        if (node is not JsonObject obj || descriptor.FullName.StartsWith("google.protobuf.", StringComparison.Ordinal))
        {
            return;
        }

        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (!obj.TryGetPropertyValue(field.JsonName, out var value) || value is null)
            {
                continue;
            }

            if (field.IsMap)
            {
                var valueField = field.MessageType.FindFieldByNumber(2);
                foreach (var key in value.AsObject().Select(p => p.Key).ToList())
                {
                    value[key] = Fixed(value[key], valueField);
                }
            }
            else if (field.IsRepeated)
            {
                var array = value.AsArray();
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Fixed(array[i], field);
                }
            }
            else
            {
                obj[field.JsonName] = Fixed(value, field);
            }
        }
    }

    private static JsonNode? Fixed(JsonNode? value, FieldDescriptor field)
    {
        if (value is null)
        {
            return null;
        }

        switch (field.FieldType)
        {
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 when value.GetValueKind() == System.Text.Json.JsonValueKind.String:
                return JsonValue.Create(long.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture));
            case FieldType.UInt64 or FieldType.Fixed64 when value.GetValueKind() == System.Text.Json.JsonValueKind.String:
                return JsonValue.Create(ulong.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture));
            case FieldType.Message:
                var copy = value.DeepClone();
                Fix(copy, field.MessageType);
                return copy;
            default:
                return value.DeepClone();
        }
    }
}
