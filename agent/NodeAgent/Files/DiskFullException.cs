namespace NodeAgent.Files;

/// <summary>
/// A write that failed because its file system is full (ENOSPC, EDQUOT), naming the path and the free bytes. The
/// gRPC layer maps it to RESOURCE_EXHAUSTED wherever it is raised: journal, store, backup, marker, pid file.
/// </summary>
internal sealed class DiskFullException(string path, long? freeBytes, Exception inner)
    : IOException($"no space left on the file system of {path} ({(freeBytes is { } free ? $"{free} bytes free" : "free space unknown")}); free some space and retry", inner)
{
    public string Path { get; } = path;

    public long? FreeBytes { get; } = freeBytes;
}
