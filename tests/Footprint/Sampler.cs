using System.Globalization;

namespace Footprint;

/// <summary>What /proc says about a process over an idle window.</summary>
internal sealed record IdleFigures(double RssKib, double CpuPercent);

/// <summary>Resident memory and CPU time from /proc.</summary>
internal static class Sampler
{
    private const double TicksPerSecond = 100;

    /// <summary>CPU used by each process over <paramref name="window"/> (percent of one core) and its resident memory at the end.</summary>
    public static async Task<IReadOnlyList<IdleFigures>> IdleAsync(IReadOnlyList<int> pids, TimeSpan window)
    {
        var before = pids.Select(CpuTicks).ToList();
        await Task.Delay(window, TimeProvider.System);
        return pids.Select((pid, i) => new IdleFigures(RssKib(pid), (CpuTicks(pid) - before[i]) / TicksPerSecond / window.TotalSeconds * 100)).ToList();
    }

    public static double RssKib(int pid) => Status(pid, "VmRSS:");

    public static double PeakKib(int pid) => Status(pid, "VmHWM:");

    private static double Status(int pid, string key)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(key, StringComparison.Ordinal));
        return double.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>utime + stime of the process and its waited-for children, in clock ticks.</summary>
    private static double CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
