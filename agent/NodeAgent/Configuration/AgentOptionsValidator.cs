using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using NodeAgent.Checks;
using NodeAgent.Security;
using NodeAgent.Validation;

namespace NodeAgent.Configuration;

/// <summary>Checks the whole configuration; every failure names the full key and the problem.</summary>
internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var errors = new List<string>();
        CheckAbsolute(errors, "StateDir", options.StateDir);
        if (options.ServiceManager is not ("systemd" or "process" or "windows"))
        {
            errors.Add($"ServiceManager: must be \"systemd\" or \"process\" (or \"windows\" on Windows), not \"{options.ServiceManager}\"");
        }
        else if ((options.ServiceManager == "windows") != OperatingSystem.IsWindows() && options.ServiceManager != "process")
        {
            errors.Add($"ServiceManager: \"{options.ServiceManager}\" does not run on this operating system; use \"{(OperatingSystem.IsWindows() ? "windows" : "systemd")}\" or \"process\"");
        }

        CheckListeners(errors, options.Listeners);
        CheckSecurity(errors, options);
        CheckLimits(errors, options.Limits);
        if (options.Logging.Target is not ("auto" or "journal" or "stderr" or "console"))
        {
            errors.Add($"Logging:Target: must be auto, journal, stderr or console, not \"{options.Logging.Target}\"");
        }
        CheckStore(errors, options.Store);
        CheckHealth(errors, options.Health);
        CheckRuntime(errors, options);
        CheckComponents(errors, options);
        Distribution.DistributionOptionsCheck.Check(errors, options.Distribution);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckListeners(List<string> errors, ListenerOptions listeners)
    {
        if (!string.IsNullOrEmpty(listeners.UnixSocket))
        {
            CheckAbsolute(errors, "Listeners:UnixSocket", listeners.UnixSocket);
        }

        var tcp = listeners.Tcp;
        if (tcp.Enabled)
        {
            if (!IPAddress.TryParse(tcp.Address, out var address))
            {
                errors.Add($"Listeners:Tcp:Address: \"{tcp.Address}\" is not an IP address");
            }
            else if (tcp.Plaintext && !IPAddress.IsLoopback(address))
            {
                errors.Add($"Listeners:Tcp:Plaintext: plaintext is only allowed on a loopback address, not {tcp.Address}; use mutual TLS for remote callers");
            }
            else if (CannotBind(address) is { } problem)
            {
                errors.Add($"Listeners:Tcp:Address: {problem}");
            }

            if (tcp.Port is < 0 or > 65535)
            {
                errors.Add($"Listeners:Tcp:Port: {tcp.Port} is not a port number (0-65535)");
            }

        }

        if (listeners.Metrics is { Length: > 0 } metrics)
        {
            if (!IPEndPoint.TryParse(metrics, out var endpoint))
            {
                errors.Add($"Listeners:Metrics: \"{metrics}\" is not an address:port");
            }
            else if (CannotBind(endpoint.Address) is { } problem)
            {
                errors.Add($"Listeners:Metrics: {problem}");
            }
        }

        if (string.IsNullOrEmpty(listeners.UnixSocket) && !tcp.Enabled)
        {
            errors.Add("Listeners: no listener is enabled; set Listeners:UnixSocket or enable Listeners:Tcp");
        }
    }

    /// <summary>
    /// Why a listener could not bind <paramref name="address"/>, found now rather than as a crash at start: an
    /// IPv4-mapped IPv6 address (::ffff:127.0.0.1), or an address this machine does not have (a test bind to port 0).
    /// </summary>
    private static string? CannotBind(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return $"{address} is an IPv4-mapped IPv6 address, which cannot be listened on; write the IPv4 address {address.MapToIPv4()}";
        }

        try
        {
            using var socket = new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, 0));
            return null;
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            return $"cannot listen on {address} ({ex.Message}); use an address of this machine";
        }
    }

    private static void CheckSecurity(List<string> errors, AgentOptions options)
    {
        var security = options.Security;
        var tls = security.Tls;
        var tlsKeys = new[] { ("Certificate", tls.Certificate), ("Key", tls.Key), ("ClientCa", tls.ClientCa) };
        if (options.Listeners.Tcp.Enabled && !options.Listeners.Tcp.Plaintext)
        {
            foreach (var (key, path) in tlsKeys)
            {
                if (CheckAbsolute(errors, $"Security:Tls:{key}", path) && !File.Exists(path))
                {
                    errors.Add($"Security:Tls:{key}: {path} does not exist (the TCP listener requires mutual TLS)");
                }
            }
        }
        else if (tlsKeys.Any(k => !string.IsNullOrEmpty(k.Item2)))
        {
            errors.Add("Security:Tls: is set but no mutual-TLS listener is enabled; enable Listeners:Tcp without Plaintext, or remove it");
        }

        if (!AgentRoles.TryParse(security.PlaintextRole, out _))
        {
            errors.Add($"Security:PlaintextRole: \"{security.PlaintextRole}\" is not a role; roles are {AgentRoles.Names}");
        }

        for (var i = 0; i < security.RoleMapping.Count; i++)
        {
            var rule = security.RoleMapping[i];
            if (new[] { rule.Ou, rule.Cn, rule.Uri }.Count(v => !string.IsNullOrEmpty(v)) != 1)
            {
                errors.Add($"Security:RoleMapping:{i}: set exactly one of Ou, Cn and Uri");
            }

            if (!AgentRoles.TryParse(rule.Role, out _))
            {
                errors.Add($"Security:RoleMapping:{i}:Role: \"{rule.Role}\" is not a role; roles are {AgentRoles.Names}");
            }
        }

        if (security.SocketGroup is { Length: > 0 } group && LocalPeers.ResolveGroup(group) is null)
        {
            errors.Add($"Security:SocketGroup: no group \"{group}\" on this machine");
        }

        if (security.ReleasePublicKey is { Length: > 0 } releaseKey && CheckAbsolute(errors, "Security:ReleasePublicKey", releaseKey))
        {
            try
            {
                ReleaseKey.Load(releaseKey).Dispose();
            }
            catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
            {
                errors.Add($"Security:ReleasePublicKey: {ex.Message}");
            }
        }

        if (string.IsNullOrEmpty(security.ReleasePublicKey) && !security.AllowUnsignedReleases)
        {
            errors.Add("Security:ReleasePublicKey: is not set, so any operator certificate could install any binary as root; set the release team's public key (agentctl certs release-key), or Security:AllowUnsignedReleases: true to accept unsigned releases knowingly");
        }
        else if (!string.IsNullOrEmpty(security.ReleasePublicKey) && security.AllowUnsignedReleases)
        {
            errors.Add("Security:AllowUnsignedReleases: is true but Security:ReleasePublicKey is set; remove one (with a key, releases must be signed)");
        }

        if (security.AuditMaxBytes < 64 * 1024)
        {
            errors.Add($"Security:AuditMaxBytes: must be at least 65536, not {security.AuditMaxBytes}");
        }

        if (security.AuditRefusalsPerMinute <= 0)
        {
            errors.Add($"Security:AuditRefusalsPerMinute: must be positive, not {security.AuditRefusalsPerMinute}");
        }
    }

    private static void CheckLimits(List<string> errors, LimitOptions limits)
    {
        if (!(limits.HandshakeTimeoutSeconds is > 0 and <= 60))
        {
            errors.Add($"Limits:HandshakeTimeoutSeconds: must be in (0, 60], not {limits.HandshakeTimeoutSeconds}");
        }

        if (!(limits.UploadIdleSeconds is > 0 and <= 3600))
        {
            errors.Add($"Limits:UploadIdleSeconds: must be in (0, 3600], not {limits.UploadIdleSeconds}");
        }

        foreach (var (key, value) in new[]
        {
            ("MaxConcurrentCallsPerCaller", (long)limits.MaxConcurrentCallsPerCaller),
            ("MutatingCallsPerMinute", limits.MutatingCallsPerMinute),
            ("MaxStagingBytesInFlight", limits.MaxStagingBytesInFlight),
            ("MaxConnections", limits.MaxConnections),
            ("MaxRequestBytes", limits.MaxRequestBytes),
            ("MaxUnauthenticatedPerAddress", limits.MaxUnauthenticatedPerAddress),
            ("MaxUnauthenticatedConnections", limits.MaxUnauthenticatedConnections),
            ("MaxDigestsPerRequest", limits.MaxDigestsPerRequest),
            ("MaxRepeatedPerRequest", limits.MaxRepeatedPerRequest),
        })
        {
            if (value <= 0)
            {
                errors.Add($"Limits:{key}: must be positive, not {value}");
            }
        }
    }

    private static void CheckStore(List<string> errors, StoreOptions store)
    {
        if (store.MaxArtifactBytes <= 0)
        {
            errors.Add($"Store:MaxArtifactBytes: must be positive, not {store.MaxArtifactBytes}");
        }

        if (store.MinFreeBytes < 0)
        {
            errors.Add($"Store:MinFreeBytes: must not be negative, not {store.MinFreeBytes}");
        }

        if (store.GcMinAgeHours < 0)
        {
            errors.Add($"Store:GcMinAgeHours: must not be negative, not {store.GcMinAgeHours}");
        }
    }

    private static void CheckHealth(List<string> errors, HealthOptions health)
    {
        if (health.ProbeIntervalSeconds <= 0)
        {
            errors.Add($"Health:ProbeIntervalSeconds: must be positive, not {health.ProbeIntervalSeconds}");
        }

        if (!(health.HttpTimeoutSeconds > 0))
        {
            errors.Add($"Health:HttpTimeoutSeconds: must be positive, not {health.HttpTimeoutSeconds}");
        }

        if (!(health.DefaultTimeoutSeconds is > 0 and <= 1800))
        {
            errors.Add($"Health:DefaultTimeoutSeconds: must be in (0, 1800], not {health.DefaultTimeoutSeconds}");
        }
    }

    private static void CheckRuntime(List<string> errors, AgentOptions options)
    {
        var runtime = options.ContainerRuntime;
        if (runtime.Endpoint is { Length: > 0 } endpoint)
        {
            CheckAbsolute(errors, "ContainerRuntime:Endpoint", endpoint);
        }

        if (!(runtime.TimeoutSeconds is > 0 and <= 300))
        {
            errors.Add($"ContainerRuntime:TimeoutSeconds: must be in (0, 300], not {runtime.TimeoutSeconds}");
        }

        var endpoints = options.ApiServer.Endpoints;
        for (var i = 0; i < endpoints.Count; i++)
        {
            if (ApiEndpoint.Parse(endpoints[i]) is null)
            {
                errors.Add($"ApiServer:Endpoints:{i}: \"{endpoints[i]}\" is not an IP address and port (1-65535), such as 10.0.0.1:6443 or [fd00::1]:6443");
            }
        }

        for (var i = 0; i < options.Components.Count; i++)
        {
            if (options.Components[i].CountConnections && endpoints.Count == 0)
            {
                errors.Add($"Components:{i}:CountConnections: needs at least one ApiServer:Endpoints entry to count connections to");
            }
        }
    }

    private static void CheckComponents(List<string> errors, AgentOptions options)
    {
        if (options.Components.Count == 0)
        {
            errors.Add("Components: the catalog is empty; configure at least one component");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var units = new HashSet<string>(StringComparer.Ordinal);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Components.Count; i++)
        {
            var key = $"Components:{i}";
            var component = options.Components[i];
            if (InputRules.CheckComponentName(component.Name) is { } nameProblem)
            {
                errors.Add($"{key}:Name: {nameProblem}");
            }
            else if (!names.Add(component.Name))
            {
                errors.Add($"{key}:Name: \"{component.Name}\" is configured twice");
            }

            if (InputRules.CheckUnitName(component.Unit) is { } unitProblem)
            {
                errors.Add($"{key}:Unit: {unitProblem}");
            }
            else if (!units.Add(component.Unit))
            {
                errors.Add($"{key}:Unit: \"{component.Unit}\" is used by another component");
            }

            CheckFiles(errors, key, component, paths);
            if (component.HealthUrl is { Length: > 0 } url
                && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            {
                errors.Add($"{key}:HealthUrl: \"{url}\" is not an http(s) URL");
            }

            CheckPattern(errors, key, component.Version.Pattern);
            if (component.HealthStableSeconds is < 0 or > 3600 || double.IsNaN(component.HealthStableSeconds))
            {
                errors.Add($"{key}:HealthStableSeconds: must be between 0 (off) and 3600, not {component.HealthStableSeconds}");
            }

            if (component.Marker is { } marker)
            {
                if (CheckAbsolute(errors, $"{key}:Marker:Path", marker.Path) && !paths.Add(Path.GetFullPath(marker.Path)))
                {
                    errors.Add($"{key}:Marker:Path: \"{marker.Path}\" is also a catalog file");
                }

                if (marker.Format is not ("json" or "env"))
                {
                    errors.Add($"{key}:Marker:Format: must be \"json\" or \"env\", not \"{marker.Format}\"");
                }
            }
        }
    }

    private static void CheckFiles(List<string> errors, string key, ComponentOptions component, HashSet<string> paths)
    {
        var roles = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < component.Files.Count; j++)
        {
            var fileKey = $"{key}:Files:{j}";
            var file = component.Files[j];
            if (InputRules.CheckRole(file.Role) is { } roleProblem)
            {
                errors.Add($"{fileKey}:Role: {roleProblem}");
            }
            else if (!roles.Add(file.Role))
            {
                errors.Add($"{fileKey}:Role: \"{file.Role}\" appears twice in {component.Name}");
            }

            if (CheckAbsolute(errors, $"{fileKey}:Path", file.Path) && !paths.Add(Path.GetFullPath(file.Path)))
            {
                errors.Add($"{fileKey}:Path: \"{file.Path}\" is owned by another catalog entry");
            }

            if (file.Mode is not null && !TryParseMode(file.Mode, out _))
            {
                errors.Add($"{fileKey}:Mode: \"{file.Mode}\" is not an octal mode of permission bits such as \"0755\" (no setuid, setgid or sticky bit)");
            }
        }

        if (!roles.Contains(ComponentFileRoles.Binary))
        {
            errors.Add($"{key}:Files: no file has role \"binary\"; the version probe and the process manager run it");
        }
    }

    private static void CheckPattern(List<string> errors, string key, string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{key}:Version:Pattern: not a valid regular expression ({ex.Message})");
        }
    }

    private static bool CheckAbsolute(List<string> errors, string key, string? path)
    {
        if (string.IsNullOrWhiteSpace(path) || !Path.IsPathFullyQualified(path) || path.Contains("/../", StringComparison.Ordinal) || path.EndsWith("/..", StringComparison.Ordinal))
        {
            errors.Add($"{key}: must be an absolute path without \"..\", not \"{path}\"");
            return false;
        }

        return true;
    }

    /// <summary>Parses an octal mode such as "0755"; only permission bits are allowed.</summary>
    public static bool TryParseMode(string text, out UnixFileMode mode)
    {
        mode = 0;
        if (text.Length is < 3 or > 4 || text.Any(c => c is < '0' or > '7'))
        {
            return false;
        }

        mode = (UnixFileMode)Convert.ToInt32(text, 8);

        // Permission bits only: no setuid, setgid or sticky bit (the unit's RestrictSUIDSGID refuses them anyway).
        return (int)mode <= Convert.ToInt32("777", 8);
    }
}
