using NodeAgent.Coordinator.Cluster;

namespace NodeAgent.Tests.Cluster;

/// <summary>A one-member etcd 3.4 (Debian's etcd-server) on free loopback ports with a temp data directory.</summary>
internal static class EtcdServer
{
    public const string Etcdctl = "/usr/bin/etcdctl";
    private const string Etcd = "/usr/bin/etcd";

    /// <summary>Starts etcd; ready when GET /health says {"health":"true"}. Its client URL is the server's Origin.</summary>
    public static Task<ServerProcess> StartAsync()
    {
        ServerProcess.SkipUnlessInstalled(Etcdctl);
        var client = ServerProcess.FreeLoopbackUrl();
        var peer = ServerProcess.FreeLoopbackUrl().GetLeftPart(UriPartial.Authority);
        var endpoint = client.GetLeftPart(UriPartial.Authority);
        return ServerProcess.StartAsync(
            Etcd,
            client,
            dir =>
            [
                "--data-dir", dir.Combine("data"),
                "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", $"default={peer}",
            ],
            () => ServerProcess.AnswersAsync(new Uri(client, "health"), "\"health\":\"true\""));
    }

    /// <summary>Runs etcdctl (API v3) with the given arguments.</summary>
    public static Task<ToolResult> EtcdctlAsync(params string[] arguments) =>
        ToolProcess.RunAsync(
            Etcdctl,
            arguments,
            new Dictionary<string, string> { ["ETCDCTL_API"] = "3" },
            TimeSpan.FromSeconds(30),
            TimeProvider.System,
            CancellationToken.None);

    /// <summary>etcdctl put against <paramref name="etcd"/>, which must succeed.</summary>
    public static async Task PutAsync(ServerProcess etcd, string key, string value)
    {
        var put = await EtcdctlAsync("--endpoints", etcd.Origin, "put", key, value);
        Assert.True(put.Succeeded, $"etcdctl put {key}: {put.Error}");
    }
}
