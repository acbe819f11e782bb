using NodeAgent.Coordinator.Cluster;

namespace NodeAgent.Tests.Cluster;

/// <summary>A one-member etcd 3.4 (Debian's etcd-server) on free loopback ports with a temp data directory.</summary>
internal sealed class EtcdServer : IDisposable
{
    public const string Etcdctl = "/usr/bin/etcdctl";
    private const string Etcd = "/usr/bin/etcd";

    private readonly ServerProcess _process;

    private EtcdServer(ServerProcess process, string endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    /// <summary>http://127.0.0.1:PORT, the client URL.</summary>
    public string Endpoint { get; }

    /// <summary>Starts etcd; ready when GET /health says {"health":"true"}.</summary>
    public static async Task<EtcdServer> StartAsync()
    {
        ServerProcess.SkipUnlessInstalled(Etcdctl);
        var client = $"http://127.0.0.1:{Infrastructure.StandIn.FreePort()}";
        var peer = $"http://127.0.0.1:{Infrastructure.StandIn.FreePort()}";
        var process = await ServerProcess.StartAsync(
            Etcd,
            dir =>
            [
                "--data-dir", dir.Combine("data"),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", $"default={peer}",
            ],
            () => ServerProcess.AnswersAsync(new Uri(client + "/health"), "\"health\":\"true\""));
        return new EtcdServer(process, client);
    }

    /// <summary>Runs etcdctl (API v3) with the given arguments against this member.</summary>
    public static Task<ToolResult> EtcdctlAsync(params string[] arguments) =>
        ToolProcess.RunAsync(
            Etcdctl,
            arguments,
            new Dictionary<string, string> { ["ETCDCTL_API"] = "3" },
            TimeSpan.FromSeconds(30),
            TimeProvider.System,
            CancellationToken.None);

    /// <summary>etcdctl put, which must succeed.</summary>
    public async Task PutAsync(string key, string value)
    {
        var put = await EtcdctlAsync("--endpoints", Endpoint, "put", key, value);
        Assert.True(put.Succeeded, $"etcdctl put {key}: {put.Error}");
    }

    public void Dispose() => _process.Dispose();
}
