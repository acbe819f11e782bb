using NodeAgent.Configuration;
using NodeAgent.Services;

namespace SimFleet;

/// <summary>
/// One node's service manager over the fleet's simulated units: the agent restarts, stops and inspects them through
/// the same seam it uses for systemd, and sees a new main PID at once and healthz answering after the drawn delay.
/// </summary>
internal sealed class SimServiceManager(SimServices services, string node) : IServiceManager
{
    public string Kind => "simulated";

    public Task<ServiceStatus> GetStatusAsync(string unit, CancellationToken cancellationToken)
    {
        var state = services.Get(node, unit);
        var status = services.Active(state)
            ? new ServiceStatus(true, state.Pid, "active", "running", "success")
            : new ServiceStatus(false, 0, "failed", "failed", "exit-code");
        return Task.FromResult(status);
    }

    public Task StartAsync(string unit, CancellationToken cancellationToken) => RestartAsync(unit, cancellationToken);

    public Task StopAsync(string unit, CancellationToken cancellationToken)
    {
        services.Stop(node, unit);
        return Task.CompletedTask;
    }

    public Task RestartAsync(string unit, CancellationToken cancellationToken)
    {
        services.Restart(node, unit);
        return Task.CompletedTask;
    }

    public Task ReloadUnitsAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A simulated unit is never masked or missing: a restart can always be issued.</summary>
    public Task<string?> CheckRestartableAsync(string unit, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    public Task StartSupervisedAsync(CatalogComponent component, CancellationToken cancellationToken) => Task.CompletedTask;
}
