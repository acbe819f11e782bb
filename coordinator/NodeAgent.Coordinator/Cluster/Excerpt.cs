namespace NodeAgent.Coordinator.Cluster;

/// <summary>Shortens a tool's or a server's output for an error message: the lines that say "Error:", else the end.</summary>
internal static class Excerpt
{
    private const int MaxLength = 400;

    public static string Of(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = lines.Where(l => l.StartsWith("Error:", StringComparison.Ordinal)).ToList();
        var chosen = string.Join(" | ", errors.Count > 0 ? errors : lines);
        if (chosen.Length == 0)
        {
            return "(no output)";
        }

        return chosen.Length <= MaxLength ? chosen : "…" + chosen[^MaxLength..];
    }
}
