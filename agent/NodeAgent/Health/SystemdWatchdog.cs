using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using NodeAgent.Store;

namespace NodeAgent.Health;

/// <summary>
/// systemd's watchdog (WatchdogSec= in the unit): sends WATCHDOG=1 at half the interval systemd asked for, but only
/// while the agent can still do its work (its state directory answers). A process that stops (SIGSTOP, a deadlock
/// of the timer's thread pool) or loses its state directory stops sending, and systemd restarts it; crash recovery
/// then runs as after any crash.
/// </summary>
internal sealed partial class SystemdWatchdog(IServiceProvider services, AgentPaths paths, TimeProvider time, ILogger<SystemdWatchdog> logger) : BackgroundService
{
    /// <summary>The keep-alive interval systemd asked for (WATCHDOG_USEC, for this process per WATCHDOG_PID), or null.</summary>
    public static TimeSpan? Interval(Func<string, string?> environment, int processId)
    {
        if (!long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec <= 0)
        {
            return null;
        }

        if (environment("WATCHDOG_PID") is { Length: > 0 } pid && pid != processId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return TimeSpan.FromMicroseconds(usec);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var notifier = services.GetService<ISystemdNotifier>();
        if (notifier is not { IsEnabled: true } || Interval(Environment.GetEnvironmentVariable, Environment.ProcessId) is not { } interval)
        {
            return;
        }

        LogEnabled(interval.TotalSeconds);
        using var timer = new PeriodicTimer(interval / 2, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (Directory.Exists(paths.Journal))
            {
                notifier.Notify(new ServiceState("WATCHDOG=1"));
            }
            else
            {
                LogWithheld(paths.Journal);
            }
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "systemd watchdog: keep-alive every {Seconds} s / 2")]
    private partial void LogEnabled(double seconds);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "systemd watchdog: withholding the keep-alive, {Path} is gone")]
    private partial void LogWithheld(string path);
}
