using System.Collections.Concurrent;
using NodeAgent.Native;

namespace NodeAgent.Files;

/// <summary>
/// Digests of catalog files for status and retention reports, recomputed only when the file's inode, size,
/// mtime or ctime changed (a swap renames a new inode in; an in-place edit moves mtime and ctime), so that
/// GetInfo does not re-read hundreds of megabytes of binaries on every call. The swap itself never uses it:
/// it always hashes what is on disk.
/// </summary>
internal sealed class DigestCache
{
    private readonly ConcurrentDictionary<string, (FileIdentity Identity, string Digest)> _digests = new(StringComparer.Ordinal);

    public async Task<string?> DigestAsync(string path, CancellationToken cancellationToken)
    {
        if (Identify(path) is not { } identity)
        {
            _digests.TryRemove(path, out _);
            return null;
        }

        if (_digests.TryGetValue(path, out var known) && known.Identity == identity)
        {
            return known.Digest;
        }

        var digest = await DurableFile.HashAsync(path, cancellationToken);
        if (Identify(path) == identity)
        {
            _digests[path] = (identity, digest);
        }

        return digest;
    }

    private static FileIdentity? Identify(string path) =>
        Libc.Stat(path) is { } stat
            ? new FileIdentity(stat.Device, stat.Inode, stat.Size, stat.MtimeSeconds, stat.MtimeNanos, stat.CtimeSeconds, stat.CtimeNanos)
            : null;

    private readonly record struct FileIdentity(ulong Device, ulong Inode, long Size, long Mtime, uint MtimeNanos, long Ctime, uint CtimeNanos);
}
