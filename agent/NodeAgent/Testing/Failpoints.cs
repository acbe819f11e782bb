using NodeAgent.Native;
using NodeAgent.Configuration;

namespace NodeAgent.Testing;

/// <summary>
/// Named points in the journaled steps where the crash-consistency suite makes the agent die at once (SIGKILL to
/// itself: no finally block, no flush, exactly kill -9) or fail with an I/O error. Armed only by the
/// NODEAGENT_FAILPOINTS environment variable ("name=kill,other=error"), and only when the config sets
/// testing.allowFailpoints; the agent refuses to start if the variable is set without it.
/// </summary>
internal sealed class Failpoints
{
    public const string EnvironmentVariable = "NODEAGENT_FAILPOINTS";

    /// <summary>Every failpoint in the code. The crash suite must hit each one.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        StageMidStream,
        StageBeforeRename,
        SwapAfterPrepared,
        SwapAfterBackup,
        SwapAfterWriteFile,
        SwapAfterMarker,
        SwapAfterRename,
        SwapAfterDirectorySync,
        SwapAfterReload,
        SwapAfterRestart,
        SwapDuringHealth,
        SwapDuringStability,
        RollbackAfterRename,
        RollbackAfterRestored,
        SwapAfterLinkPlace,
        SwapAfterLinkRename,
        RollbackAfterLinkRestore,
    ];

    public const string StageMidStream = "stage.mid-stream";
    public const string StageBeforeRename = "stage.before-rename";
    public const string SwapAfterPrepared = "swap.after-prepared";
    public const string SwapAfterBackup = "swap.after-backup";
    public const string SwapAfterWriteFile = "swap.after-write-file";
    public const string SwapAfterMarker = "swap.after-marker";
    public const string SwapAfterRename = "swap.after-rename";
    public const string SwapAfterDirectorySync = "swap.after-dir-fsync";
    public const string SwapAfterReload = "swap.after-reload";
    public const string SwapAfterRestart = "swap.after-restart";
    public const string SwapDuringHealth = "swap.during-health";
    public const string SwapDuringStability = "swap.during-stability";
    public const string RollbackAfterRename = "rollback.after-rename";
    public const string RollbackAfterRestored = "rollback.after-restored";

    /// <summary>Link layouts only (the crash suite runs these on a file link and on a directory link).</summary>
    public const string SwapAfterLinkPlace = "link.swap.after-place";
    public const string SwapAfterLinkRename = "link.swap.after-rename";
    public const string RollbackAfterLinkRestore = "link.rollback.after-restore";

    private readonly Dictionary<string, string> _armed;

    public Failpoints(AgentOptions options)
        : this(Environment.GetEnvironmentVariable(EnvironmentVariable), options.Testing.AllowFailpoints)
    {
    }

    public Failpoints(string? spec, bool allowed)
    {
        _armed = Parse(spec);
        if (_armed.Count > 0 && !allowed)
        {
            throw new AgentConfigException($"{EnvironmentVariable} is set but Testing:AllowFailpoints is not enabled in the config; refusing to start");
        }
    }

    public bool Any => _armed.Count > 0;

    /// <summary>Passes a failpoint: nothing happens unless it is armed.</summary>
    public void Hit(string name)
    {
        if (!_armed.TryGetValue(name, out var action))
        {
            return;
        }

        Console.Error.WriteLine($"failpoint {name}: {action}");
        if (action == "kill")
        {
            _ = Libc.Kill(Libc.GetPid(), Libc.SigKill);
        }

        throw new IOException($"failpoint {name}: injected I/O error");
    }

    private static Dictionary<string, string> Parse(string? spec)
    {
        var armed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in (spec ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split('=', 2);
            if (parts.Length != 2 || !All.Contains(parts[0]) || parts[1] is not ("kill" or "error"))
            {
                throw new AgentConfigException($"{EnvironmentVariable}: \"{entry}\" is not NAME=kill or NAME=error with NAME one of {string.Join(", ", All)}");
            }

            armed[parts[0]] = parts[1];
        }

        return armed;
    }
}
