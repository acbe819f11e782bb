using NodeAgent.Configuration;

namespace NodeAgent.Store;

/// <summary>
/// An exclusive lock on <c>&lt;stateDir&gt;/agent.lock</c> (flock through FileShare.None), held for the agent's
/// life: two agents on one state directory would both run recovery and fight over the same files.
/// </summary>
internal sealed class StateDirLock : IDisposable
{
    private readonly FileStream _lock;

    private StateDirLock(FileStream stream) => _lock = stream;

    public static StateDirLock Acquire(string stateDir)
    {
        Directory.CreateDirectory(stateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(stateDir, "agent.lock");
        try
        {
            return new StateDirLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            throw new AgentConfigException($"another nodeagent is running on state directory {stateDir} (it holds {path}); stop it first");
        }
    }

    public void Dispose() => _lock.Dispose();
}
