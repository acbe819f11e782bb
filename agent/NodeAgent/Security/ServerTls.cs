using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Contracts.Security;

namespace NodeAgent.Security;

/// <summary>
/// The agent's certificate and the client CA bundle for the mutual-TLS listener. Every handshake looks at the
/// files' size and modification time and reloads them when they changed, so rotated certificates take effect
/// without a restart. A file caught half-written keeps the previous material in use until it loads cleanly.
/// </summary>
internal sealed partial class ServerTls(AgentOptions options, TimeProvider time, ILogger<ServerTls> logger)
{
    private readonly Lock _lock = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Stamp, string? Reason)> _verdicts = new(StringComparer.Ordinal);
    private Material? _material;

    public X509Certificate2 Certificate => Current().Certificate;

    /// <summary>Null when the client certificate chains to the configured CA and allows client authentication; else why not.</summary>
    public string? CheckClient(X509Certificate2 client)
    {
        var reason = TlsFiles.CheckChain(client, Current().ClientCa, TlsFiles.ClientAuth);
        if (reason is not null)
        {
            LogRejected(client.Subject, reason);
        }

        return reason;
    }

    /// <summary>
    /// The per-call check of a connection's certificate: still valid now, and still chained to the CA bundle as it is
    /// now (a CA removed from the bundle stops its certificates on open connections too). Cached per certificate and
    /// bundle version.
    /// </summary>
    public string? RecheckClient(X509Certificate2 client)
    {
        if (client.NotAfter.ToUniversalTime() <= time.GetUtcNow().UtcDateTime)
        {
            return $"certificate \"{client.Subject}\" expired at {client.NotAfter.ToUniversalTime():u}";
        }

        var stamp = Current().Stamp;
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

    /// <summary>Loads the files once; used at start so a bad certificate stops the agent with a clear message.</summary>
    public void Load() => Current();

    private Material Current()
    {
        var tls = options.Security.Tls;
        var stamp = Stamp(tls.Certificate!) + Stamp(tls.Key!) + Stamp(tls.ClientCa!);
        lock (_lock)
        {
            if (_material is not null && _material.Stamp == stamp)
            {
                return _material;
            }

            try
            {
                var material = new Material(TlsFiles.LoadCertificate(tls.Certificate!, tls.Key!), TlsFiles.LoadBundle(tls.ClientCa!), stamp);
                if (_material is not null)
                {
                    LogReloaded(material.Certificate.Subject, material.Certificate.NotAfter);
                }

                _material = material;
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or ArgumentException && _material is not null)
            {
                LogReloadFailed(ex.Message);
            }

            return _material!;
        }
    }

    private static string Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks};" : "missing;";
    }

    private sealed record Material(X509Certificate2 Certificate, X509Certificate2Collection ClientCa, string Stamp);

    [LoggerMessage(EventId = 800, Level = LogLevel.Information, Message = "TLS material reloaded: {Subject}, valid until {NotAfter:u}")]
    private partial void LogReloaded(string subject, DateTime notAfter);

    [LoggerMessage(EventId = 801, Level = LogLevel.Warning, Message = "TLS files changed but do not load ({Reason}); still using the previous certificate and CA")]
    private partial void LogReloadFailed(string reason);

    [LoggerMessage(EventId = 802, Level = LogLevel.Warning, Message = "Refused a client certificate {Subject}: {Reason}")]
    private partial void LogRejected(string subject, string reason);
}
