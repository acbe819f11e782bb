using System.Text.Json.Nodes;
using Google.Protobuf;

namespace NodeAgent.CommandLine;

/// <summary>Writes a command's result in the machine formats: one JSON document or one YAML document on stdout.</summary>
internal static class ResultWriter
{
    /// <summary>True when the format is JSON or YAML (and the command's human text must not be written).</summary>
    public static bool IsMachine(OutputFormat format) => format is OutputFormat.Json or OutputFormat.Yaml;

    public static void Write(TextWriter output, OutputFormat format, IMessage message) => Write(output, format, ProtoJson.ToNode(message));

    public static void Write(TextWriter output, OutputFormat format, JsonNode? node)
    {
        if (format == OutputFormat.Yaml)
        {
            output.Write(YamlText.From(node));
            return;
        }

        output.WriteLine(node?.ToJsonString(Json.Indented) ?? "null");
    }
}
