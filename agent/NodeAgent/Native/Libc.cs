using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace NodeAgent.Native;

/// <summary>What statx reports about a file: the fields the agent uses.</summary>
internal readonly record struct FileStatus(ulong Device, ulong Inode, long Size, long MtimeSeconds, uint MtimeNanos, long CtimeSeconds, uint CtimeNanos, uint Uid, uint Gid, uint Mode);

/// <summary>
/// The few POSIX calls .NET does not offer, bound directly to glibc so that the NativeAOT agent is one file. Struct
/// layouts are the kernel's statx (the same on every architecture) and glibc's LP64 statvfs and struct group.
/// </summary>
internal static partial class Libc
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;
    private const int StatvfsSize = 112;

    /// <summary>The last error of a libc call, as text.</summary>
    public static string LastError() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());

    public static FileStatus? Stat(string path) => Statx(AtFdCwd, path, 0);

    public static FileStatus? Stat(int fd) => Statx(fd, "", AtEmptyPath);

    /// <summary>Like <see cref="Stat(string)"/>, but a symbolic link is reported as itself (AT_SYMLINK_NOFOLLOW).</summary>
    public static FileStatus? LinkStat(string path) => Statx(AtFdCwd, path, 0x100);

    /// <summary>Bytes available to unprivileged writers on the file system holding <paramref name="path"/>, or null with errno set.</summary>
    public static long? AvailableBytes(string path)
    {
        Span<byte> buffer = stackalloc byte[StatvfsSize];
        if (StatVfs(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }

        var frsize = BinaryPrimitives.ReadUInt64LittleEndian(buffer[8..]);
        var avail = BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]);
        return (long)(avail * frsize);
    }

    /// <summary>The gid of a group name (getgrnam, so NSS sources count), or null.</summary>
    public static uint? GroupId(string name)
    {
        var group = GetGrNam(name);

        // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }
        return group == IntPtr.Zero ? null : (uint)Marshal.ReadInt32(group, 2 * IntPtr.Size);
    }

    /// <summary>glibc's makedev: the st_dev number userspace sees (and JOURNAL_STREAM carries).</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "chown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Chown(string path, uint owner, uint group);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Link(string existing, string link);

    /// <summary>rename(2): replaces <paramref name="to"/> itself even when it is a symlink to a directory.</summary>
    [LibraryImport("libc", EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Rename(string from, string to);

    private static FileStatus? Statx(int dirfd, string path, int flags)
    {
        Span<byte> buffer = stackalloc byte[StatxSize];
        if (StatxCall(dirfd, path, flags, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }

        return new FileStatus(
            MakeDev(BinaryPrimitives.ReadUInt32LittleEndian(buffer[136..]), BinaryPrimitives.ReadUInt32LittleEndian(buffer[140..])),
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(buffer[40..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[112..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[120..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[96..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[104..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[20..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[24..]),
            BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]));
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatxCall(int dirfd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatVfs(string path, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial IntPtr GetGrNam(string name);
}
