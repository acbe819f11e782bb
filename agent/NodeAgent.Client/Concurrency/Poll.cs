namespace NodeAgent.Client.Concurrency;

/// <summary>The one poll-until-deadline: checks a condition every interval on the given clock.</summary>
public static class Poll
{
    /// <summary>
    /// Checks <paramref name="condition"/> now and then every <paramref name="interval"/> until it holds (true) or
    /// <paramref name="timeout"/> has passed (false; the condition is checked once more at the deadline).
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits for as long as it takes.
    /// </summary>
    public static async Task<bool> UntilAsync(
        Func<CancellationToken, ValueTask<bool>> condition,
        TimeSpan interval,
        TimeSpan timeout,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var deadline = timeout == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : time.GetUtcNow() + timeout;
        while (true)
        {
            if (await condition(cancellationToken))
            {
                return true;
            }

            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.Delay(left < interval ? left : interval, time, cancellationToken);
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{CancellationToken, ValueTask{bool}}, TimeSpan, TimeSpan, TimeProvider, CancellationToken)"/>
    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan interval, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        UntilAsync(_ => ValueTask.FromResult(condition()), interval, timeout, time, cancellationToken);
}
