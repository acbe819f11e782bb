using System.Globalization;

namespace Benchmarks;

/// <summary>Figures from /proc: a process's memory (VmRSS, VmHWM in KB) and the machine's load.</summary>
internal static class ProcStatus
{
    public static long Kb(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public static long OwnKb(string field) => Kb(Environment.ProcessId, field);

    /// <summary>The 1-minute load average.</summary>
    public static double Load() => double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
}
