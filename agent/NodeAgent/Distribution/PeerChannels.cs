using Grpc.Net.Client;
using NodeAgent.Configuration;
using NodeAgent.Contracts.Security;
using NodeAgent.Client.Transport;
using NodeAgent.Contracts.Text;
using NodeAgent.Operations;

namespace NodeAgent.Distribution;

/// <summary>One gRPC channel per peer, over mutual TLS with this agent's peer certificate (loaded once).</summary>
internal sealed class PeerChannels(AgentOptions options) : IDisposable
{
    private readonly Dictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly Lazy<ClientTlsMaterial?> _tls = new(() => options.Distribution.PeerCertificate is { Length: > 0 } certificate
        ? new ClientTlsFiles(options.Distribution.PeerCa!, certificate, options.Distribution.PeerKey!).Load()
        : null);

    /// <summary>Null when <paramref name="address"/> is a usable peer address; else why not.</summary>
    public static string? Check(string address) =>
        !AgentAddress.TryParse(address, out var parsed, out var error) ? error
        : parsed!.SocketPath is not null ? "a peer is host:port, not a Unix socket"
        : null;

    public Contracts.V1.NodeAgentService.NodeAgentServiceClient For(string address, string serverName)
    {
        var tls = _tls.Value ?? throw new AgentException(
            AgentErrorKind.FailedPrecondition,
            "this agent has no peer certificate: set Distribution:PeerCertificate, PeerKey and PeerCa to fetch from peers");
        var key = $"{address}|{serverName}";
        lock (_channels)
        {
            if (!_channels.TryGetValue(key, out var channel))
            {
                var (uri, handler) = AgentTransport.Create(AgentAddress.Parse(address), tls, serverName);
                handler.EnableMultipleHttp2Connections = true;
                channel = GrpcChannel.ForAddress(uri, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 2 * 1024 * 1024 });
                _channels.Add(key, channel);
            }

            return new Contracts.V1.NodeAgentService.NodeAgentServiceClient(channel);
        }
    }

    public void Dispose()
    {
        lock (_channels)
        {
            foreach (var channel in _channels.Values)
            {
                channel.Dispose();
            }

            _channels.Clear();
        }
    }
}
