namespace NodeAgent.Tests.Cluster;

/// <summary>Alertmanager 0.25 (Debian's prometheus-alertmanager), one route to one "null" receiver, no clustering.</summary>
internal static class AlertmanagerServer
{
    private const string Program = "/usr/bin/prometheus-alertmanager";

    /// <summary>Starts Alertmanager on a free loopback port; ready when GET /-/ready answers 200.</summary>
    public static Task<ServerProcess> StartAsync()
    {
        var url = ServerProcess.FreeLoopbackUrl();
        return ServerProcess.StartAsync(
            Program,
            url,
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
    }
}
