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

    /// <summary>
    /// Medians (and the fastest) of repeated starts; "before_main" is exec to READY=1 as measured here minus the
    /// agent's own Main to listening: the runtime's start and the notification.
    /// </summary>
    public static void AddStarts(Dictionary<string, double> figures, string prefix, IReadOnlyList<StartSample> samples)
    {
        figures[$"{prefix}_starts"] = samples.Count;
        figures[$"{prefix}_start_to_ready_ms"] = Median(samples.Select(s => s.ReadyMs));
        figures[$"{prefix}_start_to_ready_min_ms"] = Math.Round(samples.Min(s => s.ReadyMs), 1);
        var timed = samples.Where(s => s.Timeline is not null).ToList();
        if (timed.Count == 0)
        {
            return;
        }

        figures[$"{prefix}_start_before_main_ms"] = Median(timed.Select(s => s.ReadyMs - s.Timeline!.Listening));
        figures[$"{prefix}_start_config_ms"] = Median(timed.Select(s => s.Timeline!.Config));
        figures[$"{prefix}_start_host_build_ms"] = Median(timed.Select(s => s.Timeline!.Host));
        figures[$"{prefix}_start_recovery_ms"] = Median(timed.Select(s => s.Timeline!.Recovery));
        figures[$"{prefix}_start_bind_ms"] = Median(timed.Select(s => s.Timeline!.Bind));
    }

    /// <summary>The one-minute load average now: every start figure depends on it more than on the agent.</summary>
    public static double LoadAverage() => double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return Math.Round(sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2, 1);
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
        foreach (var (key, value) in figures.Where(f => f.Key.Contains("start", StringComparison.Ordinal) || f.Key.StartsWith("load_average", StringComparison.Ordinal)))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key,-44} {value}"));
        }
    }

    private static string Line(params string[] cells) => string.Join(" ", cells.Select((c, i) => i == 0 ? c.PadRight(14) : c.PadLeft(14)));

    private static string Mib(double? kib) => kib is { } k ? (k / 1024).ToString("F1", CultureInfo.InvariantCulture) : "-";

    private static string Text(double? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "-";
}
