using System.Runtime.InteropServices;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>fsync of a directory (which .NET cannot open as a file), so that a rename into it survives a power cut.</summary>
internal static partial class DirectorySync
{
    // O_RDONLY | O_DIRECTORY on Linux.
    private const int ReadDirectory = 0x10000;

    public static void Sync(string directory)
    {
        var fd = Open(directory, ReadDirectory);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to sync it: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        var synced = Fsync(fd) == 0;
        var reason = Marshal.GetLastPInvokeErrorMessage();
        _ = Close(fd);
        if (!synced)
        {
            throw new IOException($"cannot sync directory {directory}: {reason}");
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
