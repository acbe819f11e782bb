using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;

namespace NodeAgent.Health;

/// <summary>Probes every component in the background and keeps the last result, for health checks and metrics.</summary>
internal sealed partial class ComponentMonitor(
    ComponentCatalog catalog, ComponentProber prober, AgentOptions options, TimeProvider time, AgentReadiness readiness, AgentMetrics metrics, ILogger<ComponentMonitor> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, ProbeResult> _last = new(StringComparer.Ordinal);

    public ProbeResult? Last(string component) => _last.GetValueOrDefault(component);

    /// <summary>Probes one component now and remembers the result.</summary>
    public async Task<ProbeResult> ProbeNowAsync(CatalogComponent component, CancellationToken cancellationToken)
    {
        var result = await prober.ProbeAsync(component, null, cancellationToken);
        _last[component.Name] = result;
        metrics.ComponentUp.WithLabels(component.Name).Set(result.Healthy ? 1 : 0);
        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Health.ProbeIntervalSeconds), time);
        do
        {
            foreach (var component in catalog.Components)
            {
                try
                {
                    await ProbeNowAsync(component, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // One failed probe must never stop the monitor (a BackgroundService fault stops the host), nor go unseen.
                    metrics.ComponentUp.WithLabels(component.Name).Set(0);
                    LogProbeFailed(ex, component.Name);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Warning, Message = "Probing {Component} failed unexpectedly; reported as down until the next probe")]
    private partial void LogProbeFailed(Exception exception, string component);
}
