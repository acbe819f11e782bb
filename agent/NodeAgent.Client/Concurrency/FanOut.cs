namespace NodeAgent.Client.Concurrency;

/// <summary>
/// The one bounded fan-out: runs an action on every item, at most <c>concurrency</c> at a time, and returns the
/// results in the order of the items (no lock-collected lists, no result order that depends on timing).
/// </summary>
public static class FanOut
{
    public static async Task<IReadOnlyList<TResult>> RunAsync<TItem, TResult>(
        IEnumerable<TItem> items,
        int concurrency,
        Func<TItem, CancellationToken, Task<TResult>> action,
        CancellationToken cancellationToken)
    {
        var list = items as IReadOnlyList<TItem> ?? items.ToList();
        var results = new TResult[list.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, list.Count), options, async (i, ct) => results[i] = await action(list[i], ct));
        return results;
    }

    public static Task RunAsync<TItem>(IEnumerable<TItem> items, int concurrency, Func<TItem, CancellationToken, Task> action, CancellationToken cancellationToken) =>
        RunAsync(
            items,
            concurrency,
            async (item, ct) =>
            {
                await action(item, ct);
                return true;
            },
            cancellationToken);
}
