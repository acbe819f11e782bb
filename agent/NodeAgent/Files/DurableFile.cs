using System.Security.Cryptography;
using NodeAgent.Native;

namespace NodeAgent.Files;

/// <summary>
/// File operations with the durability the swap depends on: content fsynced before a rename, the directory
/// fsynced after it, so that after a power cut or kill -9 a path holds either the whole old or the whole new file.
/// </summary>
internal static class DurableFile
{
    public const string NewSuffix = ".nodeagent-new";
    public const string TempSuffix = ".nodeagent-tmp";
    private const int BufferSize = 1024 * 1024;

    /// <summary>Writes bytes to a temp file beside <paramref name="path"/>, fsyncs it, renames it over, fsyncs the directory.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> content, UnixFileMode? mode = null)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temp = path + TempSuffix;
        try
        {
            // Delete, then CreateNew: never write through a symlink planted at the temp path.
            File.Delete(temp);
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (mode is { } m)
            {
                File.SetUnixFileMode(temp, m);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (IOException ex) when (IsDiskFull(ex))
        {
            File.Delete(temp);
            throw Full(path, ex);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        SyncDirectory(directory);
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> (replacing it), fsynced, with the given mode.</summary>
    public static async Task CopyDurableAsync(string source, string destination, UnixFileMode mode, CancellationToken cancellationToken)
    {
        File.Delete(destination);
        try
        {
            // Created with its final mode (never readable by others while the content is written), and never through a link.
            await using var input = OpenRead(source);
            await using var output = NoFollow.CreateNew(destination, mode);
            await input.CopyToAsync(output, BufferSize, cancellationToken);
            output.Flush(flushToDisk: true);
        }
        catch (IOException ex) when (IsDiskFull(ex))
        {
            File.Delete(destination);
            throw Full(destination, ex);
        }
    }

    /// <summary>Renames over the target (atomic on one file system); the caller fsyncs the directory.</summary>
    public static void Replace(string source, string target) => File.Move(source, target, overwrite: true);

    /// <summary>fsyncs a directory so that renames and unlinks in it survive a crash.</summary>
    public static void SyncDirectory(string directory) => Contracts.DirectorySync.Sync(directory);

    /// <summary>Hard-links <paramref name="existing"/> at <paramref name="link"/>; false when the file systems differ or links are not supported.</summary>
    public static bool TryHardLink(string existing, string link) => Libc.Link(existing, link) == 0;

    /// <summary>SHA-256 of a file's content as lowercase hex, streamed.</summary>
    public static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = OpenRead(path);
        var hash = await SHA256.HashDataAsync(stream, cancellationToken);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>SHA-256 of a file, or null when it does not exist.</summary>
    public static async Task<string?> HashIfPresentAsync(string path, CancellationToken cancellationToken) =>
        File.Exists(path) ? await HashAsync(path, cancellationToken) : null;

    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);

    /// <summary>Free bytes available to the agent on the file system holding <paramref name="path"/> (statvfs).</summary>
    public static long FreeBytes(string path)
    {
        return Libc.AvailableBytes(path) ?? throw new IOException($"statvfs {path} failed: {Libc.LastError()}");
    }

    /// <summary>True for the errors a full disk or quota raises (ENOSPC, EDQUOT).</summary>
    public static bool IsDiskFull(IOException exception) => exception is DiskFullException || (exception.HResult & 0xFFFF) is 28 or 122 || exception.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    /// <summary>The disk-full error for a write to <paramref name="path"/>, with the free bytes of its file system.</summary>
    public static DiskFullException Full(string path, IOException cause) =>
        cause as DiskFullException ?? new DiskFullException(path, Libc.AvailableBytes(Path.GetDirectoryName(path) ?? path), cause);
}
