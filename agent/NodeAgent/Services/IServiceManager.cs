using NodeAgent.Configuration;

namespace NodeAgent.Services;

/// <summary>What the service manager says about a unit.</summary>
internal sealed record ServiceStatus(bool Active, long MainPid, string ActiveState, string SubState, string Result)
{
    public string Describe() => $"{ActiveState}/{SubState} (result {Result}, main pid {MainPid})";
}

/// <summary>A start, stop or restart the service manager refused or that failed; the message is the manager's own.</summary>
internal sealed class ServiceManagerException(string message) : Exception(message);

/// <summary>Starts, stops and inspects the services of catalog components.</summary>
internal interface IServiceManager
{
    /// <summary>"systemd" or "process".</summary>
    string Kind { get; }

    Task<ServiceStatus> GetStatusAsync(string unit, CancellationToken cancellationToken);

    Task StartAsync(string unit, CancellationToken cancellationToken);

    Task StopAsync(string unit, CancellationToken cancellationToken);

    Task RestartAsync(string unit, CancellationToken cancellationToken);

    /// <summary>
    /// Why the unit could not be restarted now (its unit file is missing, it is masked or disabled), in the
    /// manager's own terms, or null when a restart can be issued. Asked before any file of an apply moves.
    /// </summary>
    Task<string?> CheckRestartableAsync(string unit, CancellationToken cancellationToken);

    /// <summary>Re-reads unit files after one changed (systemctl daemon-reload); a no-op where units are not files.</summary>
    Task ReloadUnitsAsync(CancellationToken cancellationToken);

    /// <summary>Brings up a component this manager supervises itself, at agent start; a no-op for systemd.</summary>
    Task StartSupervisedAsync(CatalogComponent component, CancellationToken cancellationToken);
}
