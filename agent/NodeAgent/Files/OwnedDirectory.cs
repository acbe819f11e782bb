using System.Globalization;
using NodeAgent.Configuration;
using NodeAgent.Native;

namespace NodeAgent.Files;

/// <summary>
/// The agent's own directories (state, socket) must be real directories owned by the agent's user and not writable by
/// group or others: anyone else who could write there could plant links that make root write, delete or serve files
/// of their choosing. A directory the agent creates is made so (0700); an existing one that is not makes the agent
/// refuse to start, naming the path, its owner and mode and how to fix it.
/// </summary>
internal static class OwnedDirectory
{
    private const uint TypeMask = 0xF000;
    private const uint DirectoryType = 0x4000;
    private const uint GroupOrOtherWrite = 0x12;

    public static void Ensure(string path, string key)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (Libc.LinkStat(path) is not { } status)
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            status = Libc.LinkStat(path) ?? throw new AgentConfigException($"{key}: cannot create {path}: {Libc.LastError()}");
        }

        var owner = Libc.GetEuid();
        var mode = Convert.ToString(status.Mode & 0xFFF, 8).PadLeft(4, '0');
        if ((status.Mode & TypeMask) != DirectoryType)
        {
            throw new AgentConfigException($"{key}: {path} is not a directory (a symbolic link or another file); the agent needs a real directory it owns there");
        }

        if (status.Uid != owner || (status.Mode & GroupOrOtherWrite) != 0)
        {
            var user = owner.ToString(CultureInfo.InvariantCulture);
            throw new AgentConfigException(
                $"{key}: {path} is owned by uid {status.Uid} with mode {mode}; it must be owned by uid {user} (the agent's user) and not writable by group or others. Fix it with: chown {user} {path} && chmod go-w {path}");
        }
    }
}
