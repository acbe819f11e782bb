using System.Globalization;

namespace Footprint;

/// <summary>
/// Where a process's resident memory is, from /proc/PID/smaps: its executable's file pages (code, read-only data),
/// the executable's zero-initialised data right after them (for NativeAOT mostly the type data it rehydrates at
/// start), shared libraries, the managed heap (the one large anonymous reservation a GC makes, with the parts it
/// committed), the C heap, and the rest of the anonymous memory (thread stacks, runtime and native allocations).
/// </summary>
internal static class MemoryMap
{
    public static readonly IReadOnlyList<string> Categories = ["executable", "executable_bss", "libraries", "gc_heap", "c_heap", "other_anon", "threads"];

    private const long GcReservationBytes = 256L * 1024 * 1024;

    public static IReadOnlyDictionary<string, double> Breakdown(int pid)
    {
        var executable = File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: true)?.FullName ?? "";
        var mappings = Read(pid);
        var kib = Categories.ToDictionary(c => c, _ => 0.0, StringComparer.Ordinal);
        var index = 0;
        while (index < mappings.Count)
        {
            var mapping = mappings[index];
            if (mapping.Path.Length > 0)
            {
                kib[mapping.Path == executable ? "executable" : mapping.Path == "[heap]" ? "c_heap" : mapping.Path.StartsWith('/') ? "libraries" : "other_anon"] += mapping.RssKib;
                index++;
                continue;
            }

            // A run of adjacent anonymous mappings: the GC's reservation is one, split where it committed memory.
            var end = index;
            while (end + 1 < mappings.Count && mappings[end + 1].Path.Length == 0 && mappings[end + 1].Start == mappings[end].End)
            {
                end++;
            }

            var run = mappings.Skip(index).Take(end - index + 1).ToList();
            var category = index > 0 && mappings[index - 1].Path == executable && mappings[index - 1].End == mapping.Start ? "executable_bss"
                : run[^1].End - run[0].Start >= GcReservationBytes ? "gc_heap"
                : "other_anon";
            kib[category] += run.Sum(m => m.RssKib);
            index = end + 1;
        }

        kib["threads"] = Directory.EnumerateDirectories($"/proc/{pid}/task").Count();
        return kib;
    }

    private static List<Mapping> Read(int pid)
    {
        var mappings = new List<Mapping>();
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
            {
                var range = fields[0].Split('-');
                mappings.Add(new Mapping(
                    long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    fields.Length >= 6 ? string.Join(' ', fields[5..]) : "",
                    0));
            }
            else if (mappings.Count > 0 && fields.Length >= 2 && fields[0] == "Rss:")
            {
                mappings[^1] = mappings[^1] with { RssKib = double.Parse(fields[1], CultureInfo.InvariantCulture) };
            }
        }

        return mappings;
    }

    private sealed record Mapping(long Start, long End, string Path, double RssKib);
}
