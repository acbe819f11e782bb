using System.Text;
using YamlDotNet.Core;

namespace NodeAgent.Coordinator.Plans;

/// <summary>A YAML syntax error as one whole line at the place an operator must edit.</summary>
internal static class YamlError
{
    public static string Describe(string path, byte[] bytes, YamlException ex)
    {
        // YAML forbids tabs in indentation; the scanner reports that where the surrounding block began, often 1:1.
        if (FirstIndentingTab(bytes) is var (line, column))
        {
            return $"{path}:{line}:{column}: a tab in the indentation; YAML indents with spaces only";
        }

        return $"{path}:{ex.Start.Line}:{ex.Start.Column}: not valid YAML: {YamlCursor.Escape(ex.Message)}";
    }

    private static (long Line, long Column)? FirstIndentingTab(byte[] bytes)
    {
        var lines = Encoding.UTF8.GetString(bytes).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
            if (tab >= 0 && tab < indent && lines[i].TrimStart(' ', '\t').Length > 0)
            {
                return (i + 1, tab + 1);
            }
        }

        return null;
    }
}
