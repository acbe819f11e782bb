using System.Net;
using Microsoft.AspNetCore.Connections;
using NodeAgent.Configuration;
using NodeAgent.Health;

namespace NodeAgent.Security;

/// <summary>
/// Limits connections that have not finished their TLS handshake: at most Limits:MaxUnauthenticatedPerAddress from
/// one address and Limits:MaxUnauthenticatedConnections (at most half of Limits:MaxConnections) in all, each closed after Limits:HandshakeTimeoutSeconds.
/// Silent connections therefore cannot fill Limits:MaxConnections: callers that completed a handshake keep the
/// rest of it. Sits around Kestrel's TLS middleware: <see cref="BeforeHandshake"/> outside, <see cref="AfterHandshake"/> inside.
/// </summary>
internal sealed class HandshakeGate(AgentOptions options, AgentMetrics metrics)
{
    private static readonly object PendingKey = new();

    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, int> _pending = [];
    private int _total;

    public ConnectionDelegate BeforeHandshake(ConnectionDelegate next) => async connection =>
    {
        var address = (connection.RemoteEndPoint as IPEndPoint)?.Address.MapToIPv6() ?? IPAddress.IPv6None;
        if (Refusal(address) is { } reason)
        {
            metrics.ConnectionsRefused.WithLabels(reason).Inc();
            connection.Abort();
            return;
        }

        var pending = new ReleaseOnDispose(() => Leave(address));
        connection.Items[PendingKey] = pending;
        try
        {
            await next(connection);
        }
        finally
        {
            pending.Dispose();
        }
    };

    public static ConnectionDelegate AfterHandshake(ConnectionDelegate next) => connection =>
    {
        if (connection.Items.TryGetValue(PendingKey, out var pending) && pending is IDisposable handshake)
        {
            handshake.Dispose();
        }

        return next(connection);
    };

    private string? Refusal(IPAddress address)
    {
        var limits = options.Limits;
        lock (_lock)
        {
            var fromAddress = _pending.GetValueOrDefault(address);
            if (fromAddress >= limits.MaxUnauthenticatedPerAddress)
            {
                return "per-address";
            }

            if (_total >= Math.Min(limits.MaxUnauthenticatedConnections, Math.Max(1, limits.MaxConnections / 2)))
            {
                return "total";
            }

            _pending[address] = fromAddress + 1;
            _total++;
            return null;
        }
    }

    private void Leave(IPAddress address)
    {
        lock (_lock)
        {
            _total--;
            if (--_pending[address] == 0)
            {
                _pending.Remove(address);
            }
        }
    }
}
