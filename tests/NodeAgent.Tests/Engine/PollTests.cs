using Microsoft.Extensions.Time.Testing;
using NodeAgent.Client.Concurrency;

namespace NodeAgent.Tests.Engine;

[Trait("Category", "EngineRules")]
public sealed class PollTests
{
    [Fact]
    public async Task UntilAsync_HoldsAtOnce_TrueWithoutWaiting()
    {
        var time = new FakeTimeProvider();

        Assert.True(await Poll.UntilAsync(() => true, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), time, CancellationToken.None));
    }

    [Fact]
    public async Task UntilAsync_NeverHolds_FalseAtTheDeadline()
    {
        var time = new FakeTimeProvider();
        var start = time.GetUtcNow();

        var polling = Poll.UntilAsync(() => false, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), time, CancellationToken.None);
        while (!polling.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        Assert.False(await polling);
        Assert.True(time.GetUtcNow() - start >= TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task UntilAsync_HoldsLater_TrueOnTheCheckAfterIt()
    {
        var time = new FakeTimeProvider();
        var checks = 0;

        var polling = Poll.UntilAsync(() => ++checks == 3, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan, time, CancellationToken.None);
        while (!polling.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        Assert.True(await polling);
        Assert.Equal(3, checks);
    }

    [Fact]
    public async Task UntilAsync_Cancelled_Throws()
    {
        var time = new FakeTimeProvider();
        using var cancel = new CancellationTokenSource();
        var polling = Poll.UntilAsync(() => false, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan, time, cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => polling);
    }
}
