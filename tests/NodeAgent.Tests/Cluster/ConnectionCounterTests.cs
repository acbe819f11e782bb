using System.Net;
using System.Net.Sockets;
using NodeAgent.Checks;

namespace NodeAgent.Tests.Cluster;

[Trait("Category", "Cluster")]
public sealed class ConnectionCounterTests
{
    [Fact]
    public async Task Count_ThisProcessConnectedOverIpv4Ipv6AndDualStack_CountsEachEndpoint()
    {
        using var v4 = Listen(IPAddress.Loopback);
        using var v6 = Listen(IPAddress.IPv6Loopback);
        using var other = Listen(IPAddress.Loopback);
        var v4Endpoint = (IPEndPoint)v4.LocalEndpoint;
        var v6Endpoint = (IPEndPoint)v6.LocalEndpoint;
        var clients = new List<TcpClient>();
        try
        {
            clients.Add(await ConnectAsync(AddressFamily.InterNetwork, v4Endpoint));
            clients.Add(await ConnectAsync(AddressFamily.InterNetwork, v4Endpoint));

            // A dual-stack IPv6 socket shows its IPv4 peer as ::ffff:127.0.0.1 in /proc/net/tcp6.
            clients.Add(await ConnectAsync(AddressFamily.InterNetworkV6, v4Endpoint));
            clients.Add(await ConnectAsync(AddressFamily.InterNetworkV6, v6Endpoint));
            clients.Add(await ConnectAsync(AddressFamily.InterNetwork, (IPEndPoint)other.LocalEndpoint));

            var both = ConnectionCounter.Count(Environment.ProcessId, [v4Endpoint, v6Endpoint]);
            var onlyV6 = ConnectionCounter.Count(Environment.ProcessId, [ApiEndpoint.Parse($"[::1]:{v6Endpoint.Port}")!]);
            var none = ConnectionCounter.Count(Environment.ProcessId, [new IPEndPoint(IPAddress.Parse("10.255.255.1"), v4Endpoint.Port)]);

            Assert.Equal(4, both);
            Assert.Equal(1, onlyV6);
            Assert.Equal(0, none);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void Count_ProcessGone_ThrowsIOException()
    {
        Assert.ThrowsAny<IOException>(() => ConnectionCounter.Count(int.MaxValue, [new IPEndPoint(IPAddress.Loopback, 6443)]));
    }

    [Theory]
    [InlineData("10.0.0.1:6443", "10.0.0.1", 6443)]
    [InlineData("[fd00::1]:6443", "fd00::1", 6443)]
    [InlineData("[::ffff:10.0.0.1]:443", "10.0.0.1", 443)]
    public void Parse_IpAndPort_Normalized(string text, string address, int port)
    {
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), ApiEndpoint.Parse(text));
    }

    private static TcpListener Listen(IPAddress address)
    {
        var listener = new TcpListener(address, 0);
        listener.Start();
        return listener;
    }

    private static async Task<TcpClient> ConnectAsync(AddressFamily family, IPEndPoint endpoint)
    {
        var client = new TcpClient(family);
        if (family == AddressFamily.InterNetworkV6)
        {
            client.Client.DualMode = true;
        }

        await client.ConnectAsync(endpoint);
        return client;
    }
}
