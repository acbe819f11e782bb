namespace NodeAgent.Tests.Cluster;

/// <summary>Alertmanager 0.25 (Debian's prometheus-alertmanager), one route to one "null" receiver, no clustering.</summary>
internal sealed class AlertmanagerServer : IDisposable
{
    private const string Program = "/usr/bin/prometheus-alertmanager";

    private readonly ServerProcess _process;

    private AlertmanagerServer(ServerProcess process, Uri url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>http://127.0.0.1:PORT/.</summary>
    public Uri Url { get; }

    /// <summary>Starts Alertmanager; ready when GET /-/ready answers 200.</summary>
    public static async Task<AlertmanagerServer> StartAsync()
    {
        var url = new Uri($"http://127.0.0.1:{Infrastructure.StandIn.FreePort()}/");
        var process = await ServerProcess.StartAsync(
            Program,
            dir =>
            {
                var config = dir.Combine("alertmanager.yml");
                File.WriteAllText(config, "route:\n  receiver: \"null\"\nreceivers:\n  - name: \"null\"\n");
                return
                [
                    $"--config.file={config}",
                    $"--storage.path={dir.Combine("data")}",
                    $"--web.listen-address={url.Authority}",
                    "--cluster.listen-address=",
                ];
            },
            () => ServerProcess.AnswersAsync(new Uri(url, "-/ready")));
        return new AlertmanagerServer(process, url);
    }

    public void Dispose() => _process.Dispose();
}
