namespace NodeAgent.Security;

/// <summary>The Unix socket's file permissions: 0600 root-only, or 0660 with its directory 0750 for a configured group.</summary>
internal static class SocketPermissions
{
    public static void Apply(string socket, string? group)
    {
        if (group is not { Length: > 0 } || LocalPeers.ResolveGroup(group) is not { } gid)
        {
            File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return;
        }

        var directory = Path.GetDirectoryName(socket)!;
        Chown(directory, gid);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        Chown(socket, gid);
        File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
    }

    private static void Chown(string path, uint gid)
    {
        if (Native.Libc.Chown(path, Native.Libc.GetEuid(), gid) != 0)
        {
            throw new IOException($"cannot give {path} to group {gid}: {Native.Libc.LastError()}");
        }
    }
}
