using NodeAgent.Configuration;

namespace NodeAgent.Store;

/// <summary>
/// An exclusive lock on <c>&lt;stateDir&gt;/agent.lock</c> (flock, the file opened without following links), held for the agent's
/// life: two agents on one state directory would both run recovery and fight over the same files.
/// </summary>
internal sealed class StateDirLock : IDisposable
{
    private readonly FileStream _lock;

    private StateDirLock(FileStream stream) => _lock = stream;

    public static StateDirLock Acquire(string stateDir)
    {
        var path = Path.Combine(stateDir, "agent.lock");
        FileStream stream;
        try
        {
            stream = Files.NoFollow.OpenOrCreate(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (IOException ex)
        {
            throw new AgentConfigException($"cannot open the state directory's lock: {ex.Message}");
        }

        if (Native.Libc.Flock((int)stream.SafeFileHandle.DangerousGetHandle(), Native.Libc.LockExclusiveNoWait) != 0)
        {
            stream.Dispose();
            throw new AgentConfigException($"another nodeagent is running on state directory {stateDir} (it holds {path}); stop it first");
        }

        return new StateDirLock(stream);
    }

    public void Dispose() => _lock.Dispose();
}
