using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Contracts.Security;
using NodeAgent.Health;

namespace NodeAgent.Security;

/// <summary>
/// The agent's certificate and the client CA bundle for the mutual-TLS listener. Every handshake and call compares the
/// files' content digests with the loaded ones and reloads what changed, so rotations take effect without a restart
/// (a replacement with the same size and time is seen too). A certificate or key caught half-written keeps the
/// previous one in use; a CA bundle that is missing, empty or does not parse trusts nobody until it is fixed (logged,
/// and nodeagent_client_ca_untrusted is 1), never the old CAs.
/// </summary>
internal sealed partial class ServerTls(AgentOptions options, TimeProvider time, AgentMetrics metrics, ILogger<ServerTls> logger)
{
    private readonly Lock _lock = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Stamp, string? Reason)> _verdicts = new(StringComparer.Ordinal);
    private Identity? _identity;
    private TrustedCa? _ca;

    public X509Certificate2 Certificate => Current().Identity.Certificate;

    /// <summary>Null when the client certificate chains to the configured CA and allows client authentication; else why not.</summary>
    public string? CheckClient(X509Certificate2 client)
    {
        var ca = Current().Ca;
        var problem = ca.Bundle.Count == 0
            ? $"the client CA bundle {options.Security.Tls.ClientCa} is missing, empty or unreadable; no client is trusted until it is fixed"
            : TlsFiles.CheckChain(client, ca.Bundle, TlsFiles.ClientAuth);
        if (problem is null)
        {
            return null;
        }

        // The chain's reasons quote the certificate's own names: escaped like every caller-supplied value.
        var reason = Validation.InputRules.Escape(problem, 512);
        var subject = CallerResolver.SubjectOf(client);
        LogRejected(subject, reason);
        return reason;
    }

    /// <summary>
    /// The per-call check of a connection's certificate: still valid now, and still chained to the CA bundle as it is
    /// now (a CA removed from the bundle stops its certificates on open connections too). Cached per certificate and
    /// bundle content.
    /// </summary>
    public string? RecheckClient(X509Certificate2 client)
    {
        if (client.NotAfter.ToUniversalTime() <= time.GetUtcNow().UtcDateTime)
        {
            return $"certificate \"{CallerResolver.SubjectOf(client)}\" expired at {client.NotAfter.ToUniversalTime():u}";
        }

        var stamp = Current().Ca.Stamp;
        var key = client.Thumbprint;
        if (_verdicts.TryGetValue(key, out var verdict) && verdict.Stamp == stamp)
        {
            return verdict.Reason;
        }

        if (_verdicts.Count > 10_000)
        {
            _verdicts.Clear();
        }

        var reason = CheckClient(client);
        _verdicts[key] = (stamp, reason);
        return reason;
    }

    /// <summary>Loads the files once; used at start so a bad certificate or CA bundle stops the agent with a clear message.</summary>
    public void Load()
    {
        if (Current().Ca.Bundle.Count == 0)
        {
            throw new AgentConfigException($"Security:Tls:ClientCa: {options.Security.Tls.ClientCa} is missing, empty or holds no PEM certificate");
        }
    }

    private (Identity Identity, TrustedCa Ca) Current()
    {
        var tls = options.Security.Tls;
        var identityStamp = Digest(tls.Certificate!) + Digest(tls.Key!);
        var caStamp = Digest(tls.ClientCa!);
        lock (_lock)
        {
            if (_identity is null || _identity.Stamp != identityStamp)
            {
                try
                {
                    var identity = new Identity(TlsFiles.LoadCertificate(tls.Certificate!, tls.Key!), identityStamp);
                    if (_identity is not null)
                    {
                        var subject = CallerResolver.SubjectOf(identity.Certificate);
                        LogReloaded(subject, identity.Certificate.NotAfter);
                    }

                    _identity = identity;
                }
                catch (Exception ex) when (ex is CryptographicException or IOException or ArgumentException && _identity is not null)
                {
                    LogReloadFailed(ex.Message);
                }
            }

            if (_ca is null || _ca.Stamp != caStamp)
            {
                _ca = LoadCa(tls.ClientCa!, caStamp, reloading: _ca is not null);
            }

            return (_identity!, _ca);
        }
    }

    private TrustedCa LoadCa(string path, string stamp, bool reloading)
    {
        try
        {
            var bundle = TlsFiles.LoadBundle(path);
            metrics.ClientCaUntrusted.Set(0);
            if (reloading)
            {
                LogCaReloaded(path, bundle.Count);
            }

            return new TrustedCa(bundle, stamp);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            metrics.ClientCaUntrusted.Set(1);
            LogCaUntrusted(path, ex.Message);
            return new TrustedCa([], stamp);
        }
    }

    /// <summary>SHA-256 of a file's content, or a marker for a file that cannot be read.</summary>
    private static string Digest(string path)
    {
        try
        {
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) + ";";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "unreadable;";
        }
    }

    private sealed record Identity(X509Certificate2 Certificate, string Stamp);

    private sealed record TrustedCa(X509Certificate2Collection Bundle, string Stamp);

    [LoggerMessage(EventId = 800, Level = LogLevel.Information, Message = "TLS material reloaded: {Subject}, valid until {NotAfter:u}")]
    private partial void LogReloaded(string subject, DateTime notAfter);

    [LoggerMessage(EventId = 801, Level = LogLevel.Warning, Message = "TLS certificate or key changed but does not load ({Reason}); still using the previous certificate")]
    private partial void LogReloadFailed(string reason);

    [LoggerMessage(EventId = 802, Level = LogLevel.Warning, Message = "Refused a client certificate {Subject}: {Reason}")]
    private partial void LogRejected(string subject, string reason);

    [LoggerMessage(EventId = 803, Level = LogLevel.Information, Message = "Client CA bundle {Path} reloaded: {Count} certificates")]
    private partial void LogCaReloaded(string path, int count);

    [LoggerMessage(EventId = 804, Level = LogLevel.Error, Message = "Client CA bundle {Path} is missing, empty or unreadable ({Reason}): no TLS caller is trusted until it is fixed")]
    private partial void LogCaUntrusted(string path, string reason);
}
