using System.Diagnostics;

namespace Footprint;

/// <summary>Debian's prometheus-node-exporter on a loopback port: the usual resident on every node, for comparison.</summary>
internal sealed class NodeExporter : IAsyncDisposable
{
    private readonly Process _process;

    private NodeExporter(Process process) => _process = process;

    public const string Binary = "/usr/bin/prometheus-node-exporter";

    public int Pid => _process.Id;

    public static async Task<NodeExporter> StartAsync()
    {
        var port = Run.FreePort();
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        var process = Process.Start(start) ?? throw new InvalidOperationException("prometheus-node-exporter did not start (apt-get install prometheus-node-exporter)");
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        using var http = new HttpClient();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                if (response.IsSuccessStatusCode)
                {
                    return new NodeExporter(process);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System);
        }

        process.Kill();
        throw new InvalidOperationException("prometheus-node-exporter never answered on /metrics");
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
