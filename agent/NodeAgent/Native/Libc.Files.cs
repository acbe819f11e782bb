using System.Runtime.InteropServices;

namespace NodeAgent.Native;

/// <summary>The descriptor-based file calls: open with flags (O_NOFOLLOW), fchmod, fchown, flock, umask.</summary>
internal static partial class Libc
{
    public const int ErrNoEnt = 2;
    public const int ErrExist = 17;
    public const int ErrLoop = 40;
    public const int LockExclusiveNoWait = 2 | 4;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    public static partial int FChmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    public static partial int FChown(int fd, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial uint Umask(uint mask);

    public static int LastErrno() => Marshal.GetLastPInvokeError();
}
