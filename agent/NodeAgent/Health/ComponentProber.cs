using CliWrap;
using CliWrap.Buffered;
using NodeAgent.Configuration;
using NodeAgent.Services;

namespace NodeAgent.Health;

/// <summary>The outcome of probing one component.</summary>
internal sealed record ProbeResult(bool Healthy, string Problem, string? Version, ServiceStatus? Status)
{
    public static ProbeResult Unhealthy(string problem, string? version, ServiceStatus? status) => new(false, problem, version, status);
}

/// <summary>
/// Checks a component the way an operator would: the unit is active, healthz answers 2xx, and the binary
/// reports the expected version.
/// </summary>
internal sealed class ComponentProber(IServiceManager services, IHttpClientFactory httpClients, AgentOptions options, TimeProvider time)
{
    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The version each binary printed, keyed by path, with the file's identity when it printed it. A swap renames
    /// a new file into place (a new inode), so a changed binary is always run again; an unchanged one is not run
    /// on every probe (a process start per component every few seconds costs more CPU than the rest of the agent).
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Identity, string Version)> _versions = new(StringComparer.Ordinal);

    public async Task<ProbeResult> ProbeAsync(CatalogComponent component, string? expectedVersion, CancellationToken cancellationToken)
    {
        ServiceStatus status;
        try
        {
            status = await services.GetStatusAsync(component.Unit, cancellationToken);
        }
        catch (ServiceManagerException ex)
        {
            return ProbeResult.Unhealthy(ex.Message, null, null);
        }

        var version = await ReadVersionAsync(component, cancellationToken);
        if (!status.Active)
        {
            return ProbeResult.Unhealthy($"{component.Unit} is not active: {status.Describe()}", version, status);
        }

        if (component.HealthUrl is { } url && await CheckHttpAsync(url, cancellationToken) is { } httpProblem)
        {
            return ProbeResult.Unhealthy(httpProblem, version, status);
        }

        if (expectedVersion is not null && !SameVersion(version, expectedVersion))
        {
            return ProbeResult.Unhealthy($"{component.Binary.Path} reports version {version ?? "(none)"}, expected {expectedVersion}", version, status);
        }

        return new ProbeResult(true, "", version, status);
    }

    /// <summary>Probes until healthy or the deadline passes; returns the last result.</summary>
    public async Task<ProbeResult> WaitHealthyAsync(CatalogComponent component, string? expectedVersion, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await ProbeAsync(component, expectedVersion, cancellationToken);
            if (result.Healthy || time.GetUtcNow() >= deadline)
            {
                return result;
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    /// <summary>Runs the binary's version command (unless this very file already answered); null when it cannot be run or prints no version.</summary>
    public async Task<string?> ReadVersionAsync(CatalogComponent component, CancellationToken cancellationToken)
    {
        var path = component.Binary.Path;
        if (Identity(path) is not { } identity)
        {
            return null;
        }

        if (_versions.TryGetValue(path, out var known) && known.Identity == identity)
        {
            return known.Version;
        }

        var version = await RunVersionAsync(component, cancellationToken);
        if (version is not null && Identity(path) == identity)
        {
            _versions[path] = (identity, version);
        }

        return version;
    }

    /// <summary>Device, inode, size, mtime and ctime on Linux; size and times elsewhere; null when the file is missing.</summary>
    private static string? Identity(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            return Native.Libc.Stat(path) is { } s ? $"{s.Device}:{s.Inode}:{s.Size}:{s.MtimeSeconds}.{s.MtimeNanos}:{s.CtimeSeconds}.{s.CtimeNanos}" : null;
        }

        var info = new FileInfo(path);
        return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}:{info.CreationTimeUtc.Ticks}" : null;
    }

    private async Task<string?> RunVersionAsync(CatalogComponent component, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(VersionTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            var result = await Cli.Wrap(component.Binary.Path)
                .WithArguments(component.VersionArgs)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(linked.Token);
            var match = component.VersionPattern.Match(result.StandardOutput + "\n" + result.StandardError);
            return match.Success ? match.Value : null;
        }
        catch (Exception ex) when (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested || ex is System.ComponentModel.Win32Exception or IOException)
        {
            return null;
        }
    }

    public static bool SameVersion(string? actual, string expected) =>
        actual is not null && string.Equals(actual.TrimStart('v'), expected.TrimStart('v'), StringComparison.Ordinal);

    private async Task<string?> CheckHttpAsync(Uri url, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.Health.HttpTimeoutSeconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            using var client = httpClients.CreateClient("health");
            using var response = await client.GetAsync(url, linked.Token);
            return response.IsSuccessStatusCode ? null : $"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (HttpRequestException ex)
        {
            return $"{url} is unreachable: {ex.Message}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"{url} did not answer within {options.Health.HttpTimeoutSeconds} s";
        }
    }
}
