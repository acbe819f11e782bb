using System.Net.Sockets;

namespace NodeAgent.Contracts;

/// <summary>
/// An HTTP handler that reaches an agent over its Unix socket, for a gRPC channel created as
/// <c>GrpcChannel.ForAddress("http://localhost", new() { HttpHandler = UnixSocketHandler.Create(path) })</c>.
/// </summary>
public static class UnixSocketHandler
{
    public static SocketsHttpHandler Create(string socketPath) => new()
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
