namespace NodeAgent.Distribution;

/// <summary>The blobs being fetched or left half-fetched, by digest: one fetch per digest at a time.</summary>
internal sealed class FetchRegistry
{
    private readonly Dictionary<string, PartialBlob> _partials = new(StringComparer.Ordinal);
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the next partial is added; take it before looking.</summary>
    public Task NextAdded()
    {
        lock (_partials)
        {
            return _added.Task;
        }
    }

    public bool TryGet(string digest, out PartialBlob partial)
    {
        lock (_partials)
        {
            return _partials.TryGetValue(digest, out partial!);
        }
    }

    public PartialBlob GetOrAdd(string digest, Func<PartialBlob> create)
    {
        lock (_partials)
        {
            if (!_partials.TryGetValue(digest, out var partial))
            {
                partial = create();
                _partials.Add(digest, partial);
                _added.TrySetResult();
                _added = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return partial;
        }
    }

    /// <summary>Forgets a committed or discarded partial (readers holding it keep reading their open file).</summary>
    public void Remove(PartialBlob partial)
    {
        lock (_partials)
        {
            if (_partials.TryGetValue(partial.Digest, out var current) && current == partial)
            {
                _partials.Remove(partial.Digest);
            }
        }
    }
}
