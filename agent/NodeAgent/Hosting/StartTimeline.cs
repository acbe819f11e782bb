using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Hosting;

/// <summary>
/// Logs where the start went, once the listeners are bound (systemd hears READY=1 right after): reading the config,
/// building the host, crash recovery (the hosted services registered before this one), binding the listeners. The
/// footprint benchmark reads this line; the time before Main is what it measures from exec minus the total here.
/// </summary>
internal sealed partial class StartTimeline(ILogger<StartTimeline> logger) : IHostedLifecycleService
{
    private double _starting;
    private double _recovered;

    /// <summary>Before any hosted service starts: crash recovery begins now.</summary>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _starting = StartClock.Now;
        return Task.CompletedTask;
    }

    /// <summary>Registered after the agent's own hosted services and before the server: recovery has finished.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _recovered = StartClock.Now;
        return Task.CompletedTask;
    }

    /// <summary>After every hosted service, the server's included: every listener is bound.</summary>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var bound = StartClock.Now;
        var config = Math.Max(0, StartClock.At("config"));
        var host = Math.Round(_starting - config, 1);
        var recovery = Math.Round(_recovered - _starting, 1);
        var bind = Math.Round(bound - _recovered, 1);
        var listening = Math.Round(bound, 1);
        config = Math.Round(config, 1);
        LogTimeline(config, host, recovery, bind, listening);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information,
        Message = "Start timeline: config {ConfigMs} ms, host {HostMs} ms, recovery {RecoveryMs} ms, bind {BindMs} ms; listening {ListeningMs} ms after Main")]
    private partial void LogTimeline(double configMs, double hostMs, double recoveryMs, double bindMs, double listeningMs);
}
