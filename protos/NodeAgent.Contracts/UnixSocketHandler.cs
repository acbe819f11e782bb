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
            catch (SocketException ex)
            {
                socket.Dispose();
                var reason = ex.SocketErrorCode switch
                {
                    SocketError.AccessDenied => "permission denied (only root, or members of the agent's Security:SocketGroup, may use it)",
                    _ when !File.Exists(socketPath) => "no such socket; is the agent running, and is this its Listeners:UnixSocket?",
                    _ => ex.Message,
                };
                throw new HttpRequestException($"{socketPath}: {reason}", ex);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
