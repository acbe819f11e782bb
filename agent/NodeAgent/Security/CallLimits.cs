using NodeAgent.Configuration;

namespace NodeAgent.Security;

/// <summary>
/// Per-caller abuse limits: calls open at once, and mutating calls in any 60-second window. A caller over a
/// limit is refused; nothing it already started is disturbed.
/// </summary>
internal sealed class CallLimits(AgentOptions options, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<DateTimeOffset>> _recent = new(StringComparer.Ordinal);

    /// <summary>Admits one call, or returns why not. Dispose the lease when the call ends.</summary>
    public (IDisposable? Lease, string? Refusal) Enter(string caller, bool mutating)
    {
        var limits = options.Limits;
        lock (_lock)
        {
            var open = _open.GetValueOrDefault(caller);
            if (open >= limits.MaxConcurrentCallsPerCaller)
            {
                return (null, $"{caller} already has {open} calls open; the limit is {limits.MaxConcurrentCallsPerCaller} (Limits:MaxConcurrentCallsPerCaller)");
            }

            if (mutating)
            {
                var now = time.GetUtcNow();
                var recent = _recent.TryGetValue(caller, out var queue) ? queue : _recent[caller] = new Queue<DateTimeOffset>();
                while (recent.Count > 0 && now - recent.Peek() >= Window)
                {
                    recent.Dequeue();
                }

                if (recent.Count >= limits.MutatingCallsPerMinute)
                {
                    var retry = Window - (now - recent.Peek());
                    return (null, $"{caller} made {recent.Count} mutating calls in the last minute; the limit is {limits.MutatingCallsPerMinute} (Limits:MutatingCallsPerMinute); retry in {Math.Ceiling(retry.TotalSeconds)} s");
                }

                recent.Enqueue(now);
            }

            _open[caller] = open + 1;
            return (new ReleaseOnDispose(() => Leave(caller)), null);
        }
    }

    private void Leave(string caller)
    {
        lock (_lock)
        {
            if (--_open[caller] == 0)
            {
                _open.Remove(caller);
            }
        }
    }
}

/// <summary>Caps the declared bytes of all uploads in progress, so concurrent uploads cannot together fill the disk.</summary>
internal sealed class StagingBudget(AgentOptions options)
{
    private readonly Lock _lock = new();
    private long _inFlight;

    public long InFlight
    {
        get
        {
            lock (_lock)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>Reserves <paramref name="bytes"/> until the returned lease is disposed, or returns why not.</summary>
    public (IDisposable? Lease, string? Refusal) Reserve(long bytes)
    {
        var limit = options.Limits.MaxStagingBytesInFlight;
        lock (_lock)
        {
            if (_inFlight + bytes > limit)
            {
                return (null, $"{_inFlight} bytes of uploads are in progress; {bytes} more would pass the limit of {limit} (Limits:MaxStagingBytesInFlight); retry when they finish");
            }

            _inFlight += bytes;
            return (new ReleaseOnDispose(() => Release(bytes)), null);
        }
    }

    private void Release(long bytes)
    {
        lock (_lock)
        {
            _inFlight -= bytes;
        }
    }
}

/// <summary>Runs a release action exactly once, on the first Dispose.</summary>
internal sealed class ReleaseOnDispose(Action release) : IDisposable
{
    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            release();
        }
    }
}
