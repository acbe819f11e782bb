using NodeAgent.Configuration;

namespace NodeAgent.Health;

/// <summary>
/// The stability window of an apply: after its first healthy answer a component must keep answering healthy with
/// the same main PID until the window ends. A build that becomes healthy and dies seconds later fails here.
/// </summary>
internal sealed class StabilityWatch(ComponentProber prober, TimeProvider time)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Null when the component stayed healthy with <paramref name="mainPid"/> until <paramref name="until"/>; otherwise what went wrong.</summary>
    public async Task<string?> WatchAsync(CatalogComponent component, string? expectedVersion, long mainPid, DateTimeOffset until, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await prober.ProbeAsync(component, expectedVersion, cancellationToken);
            if (!result.Healthy)
            {
                return result.Problem;
            }

            if (result.Status is { } status && status.MainPid != mainPid)
            {
                return $"{component.Unit} was restarted: main pid {mainPid} -> {status.MainPid}";
            }

            var left = until - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            await Task.Delay(left < PollInterval ? left : PollInterval, time, cancellationToken);
        }
    }
}
