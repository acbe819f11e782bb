namespace NodeAgent.Distribution;

/// <summary>
/// A byte rate limit shared by every caller (a virtual-time token bucket): each take books its bytes after the ones
/// booked before, and waits until its booking is due. After an idle spell at most 50 ms worth of bytes pass at once.
/// </summary>
internal sealed class BandwidthLimiter(long bytesPerSecond, TimeProvider time)
{
    private const double BurstSeconds = 0.05;
    private readonly Lock _lock = new();
    private long _due;

    public long BytesPerSecond => bytesPerSecond;

    public async ValueTask TakeAsync(int bytes, CancellationToken cancellationToken)
    {
        if (bytesPerSecond <= 0 || bytes <= 0)
        {
            return;
        }

        long wait;
        var frequency = time.TimestampFrequency;
        lock (_lock)
        {
            var now = time.GetTimestamp();
            var start = Math.Max(_due, now - (long)(BurstSeconds * frequency));
            _due = start + (long)((double)bytes / bytesPerSecond * frequency);
            wait = _due - now;
        }

        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds((double)wait / frequency), time, cancellationToken);
        }
    }
}
