using NodeAgent.Client.Concurrency;

namespace NodeAgent.Tests.Engine;

[Trait("Category", "EngineRules")]
public sealed class FanOutTests
{
    [Fact]
    public async Task RunAsync_ManyItems_ResultsInTheOrderOfTheItems()
    {
        var items = Enumerable.Range(0, 50).ToList();

        var results = await FanOut.RunAsync(items, 8, async (i, _) =>
        {
            await Task.Yield();
            return i * 2;
        }, CancellationToken.None);

        Assert.Equal(items.Select(i => i * 2), results);
    }

    [Fact]
    public async Task RunAsync_Concurrency_NeverMoreAtOnce()
    {
        var running = 0;
        var most = 0;
        var work = FanOut.RunAsync(Enumerable.Range(0, 20), 3, async (_, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            await Task.Yield();
            Interlocked.Decrement(ref running);
        }, CancellationToken.None);
        await work;

        Assert.InRange(most, 1, 3);
    }

    [Fact]
    public async Task RunAsync_ZeroConcurrency_TreatedAsOne()
    {
        var results = await FanOut.RunAsync([1, 2, 3], 0, (i, _) => Task.FromResult(i), CancellationToken.None);

        Assert.Equal([1, 2, 3], results);
    }

    [Fact]
    public async Task RunAsync_Cancelled_Throws()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FanOut.RunAsync([1, 2], 2, (_, _) => Task.CompletedTask, cancel.Token));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
