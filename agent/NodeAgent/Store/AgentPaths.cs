using NodeAgent.Configuration;

namespace NodeAgent.Store;

/// <summary>The layout of the state directory.</summary>
internal sealed class AgentPaths
{
    public AgentPaths(AgentOptions options)
    {
        StateDir = options.StateDir;
        Blobs = Path.Combine(StateDir, "blobs", "sha256");
        BlobMeta = Path.Combine(StateDir, "blobs", "meta");
        Temp = Path.Combine(StateDir, "tmp");
        Journal = Path.Combine(StateDir, "journal");
        Quarantine = Path.Combine(StateDir, "journal", "quarantine");
        JournalKey = Path.Combine(StateDir, "journal.key");
        Run = Path.Combine(StateDir, "run");
        Audit = Path.Combine(StateDir, "audit");
    }

    public string StateDir { get; }

    /// <summary>Blob content, one file per digest.</summary>
    public string Blobs { get; }

    /// <summary>Names and staging times per digest.</summary>
    public string BlobMeta { get; }

    /// <summary>Partial uploads; emptied at start.</summary>
    public string Temp { get; }

    /// <summary>One JSON file per operation.</summary>
    public string Journal { get; }

    /// <summary>Journal files that could not be read, set aside at start.</summary>
    public string Quarantine { get; }

    /// <summary>The key of the journal's checksums (<see cref="Operations.JournalSeal"/>), mode 0600.</summary>
    public string JournalKey { get; }

    /// <summary>PID files and logs of the process manager.</summary>
    public string Run { get; }

    /// <summary>The audit trail (audit.jsonl and its one rotated predecessor).</summary>
    public string Audit { get; }

    public void EnsureCreated()
    {
        foreach (var dir in new[] { StateDir, Blobs, BlobMeta, Temp, Journal, Run, Audit })
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
