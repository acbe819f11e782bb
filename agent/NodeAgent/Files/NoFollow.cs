using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using NodeAgent.Native;

namespace NodeAgent.Files;

/// <summary>
/// Opens files inside the agent's own directories without following a symbolic link at the last component
/// (O_NOFOLLOW), and creates them with their final mode from the first byte (the mode given to open, then fchmod on
/// the descriptor, so the umask cannot widen or narrow it). A link planted where the agent expects its file makes
/// the call fail instead of reaching the link's target.
/// </summary>
internal static class NoFollow
{
    private const int ReadOnly = 0;
    private const int WriteOnly = 1;
    private const int ReadWrite = 2;
    private const int Create = 0x40;
    private const int Exclusive = 0x80;
    private const int Append = 0x400;
    private const int CloseOnExec = 0x80000;

    /// <summary>O_NOFOLLOW: 0x20000 on x86-64, 0x8000 on arm64 (the generic Linux value).</summary>
    private static readonly int NoFollowFlag = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 0x20000 : 0x8000;

    public static FileStream OpenRead(string path) => Stream(path, ReadOnly, 0, FileAccess.Read);

    /// <summary>Opens for appending, creating the file with <paramref name="mode"/> when it does not exist.</summary>
    public static FileStream OpenAppend(string path, UnixFileMode mode) => Stream(path, WriteOnly | Create | Append, mode, FileAccess.Write);

    /// <summary>Opens for reading and writing, creating the file with <paramref name="mode"/> when it does not exist.</summary>
    public static FileStream OpenOrCreate(string path, UnixFileMode mode) => Stream(path, ReadWrite | Create, mode, FileAccess.ReadWrite);

    /// <summary>Creates a file that must not exist yet (O_EXCL: not even as a link), with its final mode from the start.</summary>
    public static FileStream CreateNew(string path, UnixFileMode mode) => Stream(path, WriteOnly | Create | Exclusive, mode, FileAccess.Write);

    private static FileStream Stream(string path, int flags, UnixFileMode mode, FileAccess access)
    {
        var fd = Libc.Open(path, flags | NoFollowFlag | CloseOnExec, (uint)mode);
        if (fd < 0)
        {
            var errno = Libc.LastErrno();
            throw errno switch
            {
                Libc.ErrNoEnt => new FileNotFoundException($"{path} does not exist", path),
                Libc.ErrLoop => new IOException($"{path} is a symbolic link; the agent does not follow links inside its own directories"),
                _ => new IOException($"cannot open {path}: {Libc.LastError()}", errno),
            };
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if ((flags & Create) != 0 && Libc.FChmod(fd, (uint)mode) != 0)
        {
            var error = Libc.LastError();
            handle.Dispose();
            throw new IOException($"cannot set the mode of {path}: {error}");
        }

        return new FileStream(handle, access, bufferSize: 0);
    }
}
