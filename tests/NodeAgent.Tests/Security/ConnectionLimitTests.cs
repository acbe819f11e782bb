using System.Net;
using System.Net.Sockets;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Security;

/// <summary>Silent connections that never finish a TLS handshake cannot starve callers that do.</summary>
[Trait("Category", "Security")]
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task SilentConnections_FromOneAddress_AreCutAtTheLimit_AndARealCallerStillGetsIn()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions
        {
            TlsPort = StandIn.FreePort(),
            LimitsYaml = "  maxConnections: 40\n  maxUnauthenticatedPerAddress: 4\n  handshakeTimeoutSeconds: 30\n",
        });
        var silent = new List<Socket>();
        try
        {
            for (var i = 0; i < 60; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                silent.Add(socket);
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                await ConnectAsync(socket, node.Options.TlsPort);
            }

            var (client, channel) = SecureClient.Open(node, node.Pki!.Client("ops", "operator"));
            using (channel)
            {
                var info = await client.GetInfoAsync(new GetInfoRequest(), deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(10));
                Assert.Equal("test-node", info.NodeName);
            }

            var open = 0;
            foreach (var socket in silent)
            {
                open += await ClosedByPeerAsync(socket) ? 0 : 1;
            }

            Assert.Equal(4, open);
        }
        finally
        {
            silent.ForEach(socket => socket.Dispose());
        }
    }

    /// <summary>Connects; a connection the agent resets at once counts as closed by the read that follows.</summary>
    private static async Task ConnectAsync(Socket socket, int port)
    {
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port);
        }
        catch (SocketException)
        {
            socket.Close();
        }
    }

    /// <summary>True when the agent closed the connection (a read ends at once); false when it is still held open.</summary>
    private static async Task<bool> ClosedByPeerAsync(Socket socket)
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            return await socket.ReceiveAsync(new byte[1], SocketFlags.None, wait.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }
}
