using System.Security.Cryptography;

namespace NodeAgent.Distribution;

/// <summary>
/// A blob being fetched: its temp file, how much of it is verified (every chunk checked against the chunk list) and
/// the running hash of that prefix. Peers read the verified prefix while the rest arrives; a failed fetch leaves
/// the prefix for the next fetch of the same digest to resume.
/// </summary>
internal sealed class PartialBlob(string digest, string name, ChunkList chunks, string tempPath) : IDisposable
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _verified;

    public string Digest { get; } = digest;

    public string Name { get; } = name;

    public ChunkList Chunks { get; } = chunks;

    /// <summary>Where the content is: the temp file, then the store's blob once committed.</summary>
    public string Path { get; private set; } = tempPath;

    /// <summary>SHA-256 of the verified prefix so far.</summary>
    public IncrementalHash WholeHash { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Verified => Interlocked.Read(ref _verified);

    /// <summary>A fetch is running on it (others join that fetch instead of starting their own).</summary>
    public bool Active { get; private set; }

    public bool Committed { get; private set; }

    /// <summary>Completes when the running fetch ends, whichever way.</summary>
    public Task Finished { get; private set; } = Task.CompletedTask;

    public TaskCompletionSource? FinishSource { get; private set; }

    /// <summary>Marks a fetch as running; false when one already is.</summary>
    public bool TryStart()
    {
        lock (_lock)
        {
            if (Active)
            {
                return false;
            }

            Active = true;
            FinishSource = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Finished = FinishSource.Task;
        }

        Signal();
        return true;
    }

    public void Advance(long verified)
    {
        Interlocked.Exchange(ref _verified, verified);
        Signal();
    }

    /// <summary>The running fetch ended; <paramref name="committedPath"/> is the stored blob when it succeeded.</summary>
    public void Stop(string? committedPath)
    {
        lock (_lock)
        {
            Active = false;
            if (committedPath is not null)
            {
                Path = committedPath;
                Committed = true;
            }
        }

        Signal();
        FinishSource?.TrySetResult();
    }

    /// <summary>Completes at the next change (more verified bytes, a fetch starting or stopping); take it before looking.</summary>
    public Task NextChange()
    {
        lock (_lock)
        {
            return _progress.Task;
        }
    }

    public void Dispose() => WholeHash.Dispose();

    private void Signal()
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            done = _progress;
            _progress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.TrySetResult();
    }
}
