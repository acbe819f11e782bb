namespace NodeAgent.Security;

/// <summary>
/// Writes at most <c>perMinute</c> refusal entries per caller in each minute and counts the rest, so that a flood of
/// refused calls costs the audit trail a few lines and a count. The count is written with the caller's next
/// written refusal, or as a summary entry once its minute is over. Not thread-safe: the audit log's lock guards it.
/// </summary>
internal sealed class RefusalThrottle(TimeProvider time, int perMinute)
{
    /// <summary>Callers tracked at once; refusals of further callers share one window.</summary>
    public const int MaxCallers = 4096;

    public const string OtherCallers = "(other callers)";

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, CallerWindow> _windows = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether this refusal is written; <paramref name="suppressedBefore"/> is the count of the caller's refusals of an
    /// earlier minute not yet summarised (to carry in the entry).
    /// </summary>
    public bool Admit(string caller, out uint suppressedBefore)
    {
        var now = time.GetUtcNow();
        var key = _windows.ContainsKey(caller) || _windows.Count < MaxCallers ? caller : OtherCallers;
        suppressedBefore = 0;
        if (!_windows.TryGetValue(key, out var window) || now - window.Start >= Window)
        {
            suppressedBefore = window?.Suppressed ?? 0;
            _windows[key] = new CallerWindow(now) { Written = 1 };
            return true;
        }

        if (window.Written < perMinute)
        {
            window.Written++;
            return true;
        }

        window.Suppressed++;
        return false;
    }

    /// <summary>The callers whose minute is over with refusals not written, each with its count; forgets every ended minute.</summary>
    public IReadOnlyList<(string Caller, DateTimeOffset Since, uint Suppressed)> TakeEnded()
    {
        var now = time.GetUtcNow();
        var ended = _windows.Where(w => now - w.Value.Start >= Window).ToList();
        foreach (var (caller, _) in ended)
        {
            _windows.Remove(caller);
        }

        return ended.Where(w => w.Value.Suppressed > 0).Select(w => (w.Key, w.Value.Start, w.Value.Suppressed)).ToList();
    }

    private sealed class CallerWindow(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public int Written { get; set; }

        public uint Suppressed { get; set; }
    }
}
