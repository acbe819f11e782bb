using System.Runtime.InteropServices;

namespace NodeAgent.Contracts;

/// <summary>
/// fsync of a directory (which .NET cannot open as a file), so that a rename, link or unlink in it survives a
/// crash or power cut. Shared by the agent (its swaps and store) and the coordinator (the etcd snapshot).
/// </summary>
public static partial class DirectorySync
{
    // O_RDONLY | O_DIRECTORY on Linux.
    private const int ReadDirectory = 0x10000;

    /// <summary>Throws <see cref="IOException"/> with the reason when the directory cannot be opened or synced.</summary>
    public static void Sync(string directory)
    {
        var fd = Open(directory, ReadDirectory);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to sync it: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"cannot sync directory {directory}: {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
