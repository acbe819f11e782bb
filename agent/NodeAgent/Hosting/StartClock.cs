using System.Collections.Concurrent;
using System.Diagnostics;

namespace NodeAgent.Hosting;

/// <summary>
/// Milliseconds since the agent's Main began (or since this clock was first touched, in a test host): one clock per
/// process, so Program can mark the phases before the host exists and <see cref="StartTimeline"/> can report them.
/// </summary>
internal static class StartClock
{
    private static readonly long Origin = Stopwatch.GetTimestamp();
    private static readonly ConcurrentDictionary<string, double> Marks = new(StringComparer.Ordinal);

    /// <summary>Touches the clock: call first thing in Main so that 0 is Main's start.</summary>
    public static void Start() => Mark("main");

    public static double Now => Stopwatch.GetElapsedTime(Origin).TotalMilliseconds;

    public static void Mark(string phase) => Marks[phase] = Now;

    /// <summary>When <paramref name="phase"/> was marked, or -1 when it was not (a test host has no Main).</summary>
    public static double At(string phase) => Marks.TryGetValue(phase, out var at) ? at : -1;
}
