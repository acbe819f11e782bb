using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using NodeAgent.Native;
using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Store;

namespace NodeAgent.Services;

/// <summary>
/// The agent supervises each component's binary itself: for the local demo fleet and for machines without systemd.
/// A unit's process survives an agent crash and a graceful agent stop alike (the agent is never in the workload's
/// path); its PID and start time are kept in <c>run/&lt;unit&gt;.pid</c> so that the next agent adopts it instead of
/// starting a second copy. Output goes to <c>run/&lt;unit&gt;.log</c>.
/// </summary>
internal sealed partial class ProcessServiceManager(ComponentCatalog catalog, AgentPaths paths, TimeProvider time, ILogger<ProcessServiceManager> logger)
    : IServiceManager, IDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Kind => "process";

    public Task<ServiceStatus> GetStatusAsync(string unit, CancellationToken cancellationToken)
    {
        var pid = LivePid(unit);
        return Task.FromResult(pid > 0
            ? new ServiceStatus(true, pid, "active", "running", "success")
            : new ServiceStatus(false, 0, "inactive", "dead", File.Exists(LogPath(unit)) ? "exited" : "success"));
    }

    public Task StartAsync(string unit, CancellationToken cancellationToken) => GatedAsync(async () =>
    {
        if (LivePid(unit) == 0)
        {
            await LaunchAsync(unit, cancellationToken);
        }
    }, cancellationToken);

    public Task StopAsync(string unit, CancellationToken cancellationToken) =>
        GatedAsync(() => TerminateAsync(unit, cancellationToken), cancellationToken);

    public Task RestartAsync(string unit, CancellationToken cancellationToken) => GatedAsync(async () =>
    {
        await TerminateAsync(unit, cancellationToken);
        await LaunchAsync(unit, cancellationToken);
    }, cancellationToken);

    /// <summary>Every unit of this manager is a catalog component the agent launches itself: nothing can mask it.</summary>
    public Task<string?> CheckRestartableAsync(string unit, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    public void Dispose() => _gate.Dispose();

    public Task ReloadUnitsAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartSupervisedAsync(CatalogComponent component, CancellationToken cancellationToken) =>
        File.Exists(component.Binary.Path) ? StartAsync(component.Unit, cancellationToken) : Task.CompletedTask;

    /// <summary>One start, stop or restart at a time, so that two callers never launch two copies of a unit.</summary>
    private async Task GatedAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await action();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task LaunchAsync(string unit, CancellationToken cancellationToken)
    {
        var component = catalog.Components.First(c => c.Unit == unit);
        if (!File.Exists(component.Binary.Path))
        {
            throw new ServiceManagerException($"{unit} cannot start: {component.Binary.Path} does not exist");
        }

        // sh records its own PID first (so that a process started just before the agent dies is still found),
        // then execs the binary with its output appended to the unit's log, so it outlives the agent's pipes.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("echo $$ >\"$NODEAGENT_UNIT_PID.sh\" && mv \"$NODEAGENT_UNIT_PID.sh\" \"$NODEAGENT_UNIT_PID\" && exec \"$0\" \"$@\" >>\"$NODEAGENT_UNIT_LOG\" 2>&1 </dev/null");
        start.ArgumentList.Add(component.Binary.Path);
        foreach (var argument in component.ProcessArgs)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NODEAGENT_UNIT_LOG"] = LogPath(unit);
        start.Environment["NODEAGENT_UNIT_PID"] = PidPath(unit);
        using var process = Process.Start(start) ?? throw new ServiceManagerException($"{unit} could not be started");
        var startTime = StartTimeOf(process.Id) ?? throw new ServiceManagerException($"{unit} exited at once; see {LogPath(unit)}");

        // The shell's own bare-PID record must land first, or it would replace the record with the start time.
        var deadline = time.GetUtcNow() + StopGrace;
        while (ReadPidFile(unit)?[0] != process.Id.ToString(CultureInfo.InvariantCulture) && IsAlive(process.Id))
        {
            if (time.GetUtcNow() >= deadline)
            {
                throw new ServiceManagerException($"{unit} (pid {process.Id}) did not record its pid in {PidPath(unit)} within {StopGrace.TotalSeconds} s");
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }

        DurableFile.WriteAtomic(PidPath(unit), System.Text.Encoding.ASCII.GetBytes($"{process.Id} {startTime}"));
        LogStarted(unit, process.Id);
    }

    private async Task TerminateAsync(string unit, CancellationToken cancellationToken)
    {
        var pid = LivePid(unit);
        if (pid == 0)
        {
            return;
        }

        _ = Libc.Kill((int)pid, Libc.SigTerm);
        var deadline = time.GetUtcNow() + StopGrace;
        while (IsAlive(pid) && time.GetUtcNow() < deadline)
        {
            await Task.Delay(PollInterval, time, cancellationToken);
        }

        if (IsAlive(pid))
        {
            _ = Libc.Kill((int)pid, Libc.SigKill);
            var killDeadline = time.GetUtcNow() + StopGrace;
            while (IsAlive(pid))
            {
                if (time.GetUtcNow() >= killDeadline)
                {
                    // Bounded: a process stuck in uninterruptible sleep (a hung mount) outlives SIGKILL; say so instead of waiting forever.
                    throw new ServiceManagerException($"{unit} (pid {pid}) is still there {StopGrace.TotalSeconds} s after SIGKILL (uninterruptible sleep?); check the process by hand");
                }

                await Task.Delay(PollInterval, time, cancellationToken);
            }
        }

        File.Delete(PidPath(unit));
        LogStopped(unit, pid);
    }

    /// <summary>
    /// The unit's PID if that process still runs, else 0. A record with a start time must match it (no PID reuse);
    /// a bare PID, written by the unit's own shell when the agent died before recording it, must belong to a
    /// process carrying this unit's log path in its environment.
    /// </summary>
    private long LivePid(string unit)
    {
        if (ReadPidFile(unit) is not { } parts)
        {
            return 0;
        }

        if (!int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid) || StartTimeOf(pid) is not { } started)
        {
            return 0;
        }

        return parts.Length == 2 ? (started == parts[1] ? pid : 0) : (RunsUnit(pid, unit) ? pid : 0);
    }

    /// <summary>The pid file's fields ("PID START" or a bare "PID"), or null when there is none.</summary>
    private string[]? ReadPidFile(string unit)
    {
        try
        {
            return File.ReadAllText(PidPath(unit)).Trim().Split(' ');
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private bool RunsUnit(int pid, string unit)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0').Contains($"NODEAGENT_UNIT_LOG={LogPath(unit)}");
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool IsAlive(long pid) => StartTimeOf((int)pid) is not null;

    /// <summary>Field 22 of /proc/pid/stat (start time in clock ticks), or null if the process is gone or a zombie.</summary>
    private static string? StartTimeOf(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // The command name (field 2) may contain spaces; the fields after its closing parenthesis are fixed.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[0] is "Z" or "X" ? null : fields[19];
    }

    private string PidPath(string unit) => Path.Combine(paths.Run, unit + ".pid");

    private string LogPath(string unit) => Path.Combine(paths.Run, unit + ".log");

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Started {Unit} as pid {Pid}")]
    private partial void LogStarted(string unit, long pid);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Stopped {Unit} (pid {Pid})")]
    private partial void LogStopped(string unit, long pid);
}
