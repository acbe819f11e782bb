using System.Globalization;

namespace Footprint;

/// <summary>The benchmark's table and its JSON figures.</summary>
internal static class Report
{
    private static IReadOnlyList<string> MapCategories => MemoryMap.Categories;

    /// <summary>One server's figures; the calls, stage and start columns are null for node_exporter.</summary>
    public sealed record Row(string Name, double BinaryBytes, double? ReadyMs, IdleFigures Idle, IReadOnlyDictionary<string, double> Map, double? AfterCallsKib, double? AfterStageKib, double PeakKib);

    public static Dictionary<string, double> Figures(IReadOnlyList<Row> rows, int calls, long blobMb)
    {
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        var exporter = rows.Single(r => r.Name == "node_exporter");
        foreach (var row in rows)
        {
            figures[$"{row.Name}_binary_bytes"] = row.BinaryBytes;
            if (row.ReadyMs is { } ready)
            {
                figures[$"{row.Name}_start_to_ready_ms"] = ready;
            }

            figures[$"{row.Name}_idle_rss_kib"] = row.Idle.RssKib;
            figures[$"{row.Name}_idle_cpu_percent"] = Math.Round(row.Idle.CpuPercent, 3);
            foreach (var category in MapCategories)
            {
                figures[$"{row.Name}_idle_{category}{(category == "threads" ? "" : "_kib")}"] = row.Map[category];
            }

            if (row.AfterCallsKib is { } afterCalls && row.AfterStageKib is { } afterStage)
            {
                figures[$"{row.Name}_rss_after_{calls}_calls_kib"] = afterCalls;
                figures[$"{row.Name}_rss_after_stage_{blobMb}mb_kib"] = afterStage;
                figures[$"{row.Name}_idle_rss_vs_node_exporter"] = Math.Round(row.Idle.RssKib / exporter.Idle.RssKib, 2);
                figures[$"{row.Name}_loaded_rss_vs_node_exporter"] = Math.Round(afterStage / exporter.Idle.RssKib, 2);
            }

            figures[$"{row.Name}_peak_rss_kib"] = row.PeakKib;
        }

        return figures;
    }

    /// <summary>The agent's own timeline; "before_main" is exec to READY=1 as measured here minus Main to listening.</summary>
    public static void AddTimeline(Dictionary<string, double> figures, string prefix, AgentUnderTest agent)
    {
        figures[$"{prefix}_start_to_ready_ms"] = Math.Round(agent.ReadyAfter.TotalMilliseconds, 1);
        if (agent.Timeline is not { } times)
        {
            return;
        }

        figures[$"{prefix}_start_before_main_ms"] = Math.Round(agent.ReadyAfter.TotalMilliseconds - times.Listening, 1);
        figures[$"{prefix}_start_config_ms"] = times.Config;
        figures[$"{prefix}_start_host_build_ms"] = times.Host;
        figures[$"{prefix}_start_recovery_ms"] = times.Recovery;
        figures[$"{prefix}_start_bind_ms"] = times.Bind;
    }

    public static void Print(IReadOnlyList<Row> rows, IReadOnlyDictionary<string, double> figures, int calls, long blobMb)
    {
        Console.WriteLine(Line("server", "binary MiB", "READY ms", "idle RSS MiB", "idle CPU %", $"after {calls} calls", $"after {blobMb} MB stage", "peak MiB"));
        foreach (var row in rows)
        {
            Console.WriteLine(Line(row.Name, Mib(row.BinaryBytes / 1024), Text(row.ReadyMs), Mib(row.Idle.RssKib), Text(Math.Round(row.Idle.CpuPercent, 3)), Mib(row.AfterCallsKib), Mib(row.AfterStageKib), Mib(row.PeakKib)));
        }

        Console.WriteLine();
        Console.WriteLine(Line(["idle RSS MiB", .. MapCategories]));
        foreach (var row in rows)
        {
            Console.WriteLine(Line([row.Name, .. MapCategories.Select(c => c == "threads" ? Text(row.Map[c]) : Mib(row.Map[c]))]));
        }

        Console.WriteLine();
        foreach (var (key, value) in figures.Where(f => f.Key.Contains("_start_", StringComparison.Ordinal)))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key,-44} {value}"));
        }
    }

    private static string Line(params string[] cells) => string.Join(" ", cells.Select((c, i) => i == 0 ? c.PadRight(14) : c.PadLeft(14)));

    private static string Mib(double? kib) => kib is { } k ? (k / 1024).ToString("F1", CultureInfo.InvariantCulture) : "-";

    private static string Text(double? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "-";
}
