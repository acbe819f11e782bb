using CliWrap;
using CliWrap.Buffered;
using NodeAgent.Configuration;

namespace NodeAgent.Services;

/// <summary>systemd through systemctl. Every call has a timeout and is cancelled gracefully, then forcefully.</summary>
internal sealed class SystemdServiceManager(TimeProvider time) : IServiceManager
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(90);

    public string Kind => "systemd";

    public async Task<ServiceStatus> GetStatusAsync(string unit, CancellationToken cancellationToken)
    {
        var properties = await ShowAsync(unit, "ActiveState,SubState,MainPID,Result", cancellationToken);
        var active = properties.GetValueOrDefault("ActiveState", "unknown");
        _ = long.TryParse(properties.GetValueOrDefault("MainPID"), out var pid);
        return new ServiceStatus(active == "active", pid, active, properties.GetValueOrDefault("SubState", "unknown"), properties.GetValueOrDefault("Result", "unknown"));
    }

    /// <summary>
    /// systemd refuses to restart a unit whose LoadState is not "loaded" (not-found, masked, bad-setting, error), and
    /// a masked unit keeps running with LoadState=masked until it stops: both are found here, before any file moves.
    /// </summary>
    public async Task<string?> CheckRestartableAsync(string unit, CancellationToken cancellationToken)
    {
        var properties = await ShowAsync(unit, "LoadState,UnitFileState,ActiveState", cancellationToken);
        var load = properties.GetValueOrDefault("LoadState", "unknown");
        var file = properties.GetValueOrDefault("UnitFileState", "");
        var states = $"LoadState={load}, UnitFileState={(file.Length == 0 ? "(none)" : file)}, ActiveState={properties.GetValueOrDefault("ActiveState", "unknown")}";
        return load switch
        {
            "loaded" when !file.StartsWith("masked", StringComparison.Ordinal) => null,
            "not-found" => $"systemd has no unit file for {unit} ({states}); install the unit, or fix the component's unit in the catalog",
            "masked" or "loaded" => $"{unit} is masked ({states}); systemctl unmask {unit} first",
            _ => $"systemd cannot load {unit} ({states}); see systemctl status {unit}",
        };
    }

    public Task StartAsync(string unit, CancellationToken cancellationToken) => ChangeAsync("start", unit, cancellationToken);

    public Task StopAsync(string unit, CancellationToken cancellationToken) => ChangeAsync("stop", unit, cancellationToken);

    public Task RestartAsync(string unit, CancellationToken cancellationToken) => ChangeAsync("restart", unit, cancellationToken);

    public async Task ReloadUnitsAsync(CancellationToken cancellationToken)
    {
        var result = await RunAsync(["daemon-reload"], cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new ServiceManagerException($"systemctl daemon-reload failed: {result.StandardError.Trim()}");
        }
    }

    public Task StartSupervisedAsync(CatalogComponent component, CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<Dictionary<string, string>> ShowAsync(string unit, string properties, CancellationToken cancellationToken)
    {
        var result = await RunAsync(["show", unit, $"--property={properties}"], cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new ServiceManagerException($"systemctl show {unit} failed: {result.StandardError.Trim()}");
        }

        return result.StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim(), StringComparer.Ordinal);
    }

    private async Task ChangeAsync(string verb, string unit, CancellationToken cancellationToken)
    {
        var result = await RunAsync([verb, unit], cancellationToken);
        if (result.ExitCode != 0)
        {
            var status = await GetStatusAsync(unit, cancellationToken);
            throw new ServiceManagerException($"systemctl {verb} {unit} failed: {result.StandardError.Trim()}; systemd reports {status.Describe()}");
        }
    }

    private async Task<BufferedCommandResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(CallTimeout, time);
        using var graceful = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        using var forceful = new CancellationTokenSource(CallTimeout + TimeSpan.FromSeconds(5), time);
        return await Cli.Wrap("systemctl")
            .WithArguments(arguments)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(System.Text.Encoding.UTF8, System.Text.Encoding.UTF8, forceful.Token, graceful.Token);
    }
}
