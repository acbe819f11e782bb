using System.Text;
using System.Text.Json.Nodes;

namespace NodeAgent.CommandLine;

/// <summary>JSON as YAML (block style; strings double-quoted, so every value reads back exactly).</summary>
internal static class YamlText
{
    public static string From(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(text, node, 0, inline: false);
        return text.ToString();
    }

    private static void Write(StringBuilder text, JsonNode? node, int indent, bool inline)
    {
        switch (node)
        {
            case JsonObject { Count: > 0 } obj:
                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!(first && inline))
                    {
                        text.Append(' ', indent);
                    }

                    first = false;
                    text.Append(Scalar(JsonValue.Create(key))).Append(':');
                    Child(text, value, indent);
                }

                break;
            case JsonArray { Count: > 0 } array:
                for (var i = 0; i < array.Count; i++)
                {
                    var item = array[i];
                    if (!(i == 0 && inline))
                    {
                        text.Append(' ', indent);
                    }

                    text.Append("- ");
                    if (item is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
                    {
                        Write(text, item, indent + 2, inline: true);
                    }
                    else
                    {
                        text.Append(Scalar(item)).Append('\n');
                    }
                }

                break;
            default:
                text.Append(Scalar(node)).Append('\n');
                break;
        }
    }

    private static void Child(StringBuilder text, JsonNode? value, int indent)
    {
        if (value is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
        {
            text.Append('\n');
            Write(text, value, indent + 2, inline: false);
        }
        else
        {
            text.Append(' ').Append(Scalar(value)).Append('\n');
        }
    }

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        _ => node.ToJsonString(),
    };
}
