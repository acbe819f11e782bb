using System.Diagnostics;
using System.Text;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cluster;

/// <summary>
/// A real server from Debian's packages (etcd, Alertmanager) run for one test in its own temp directory, with its
/// output captured; ready when a probe says so, killed by PID and its directory removed afterwards.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, TempDir dir, Uri url)
    {
        _process = process;
        Dir = dir;
        Url = url;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public TempDir Dir { get; }

    /// <summary>Where it listens, http://127.0.0.1:PORT/.</summary>
    public Uri Url { get; }

    /// <summary>The URL without the trailing slash, as etcdctl takes an endpoint.</summary>
    public string Origin => Url.GetLeftPart(UriPartial.Authority);

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Skips the test when <paramref name="program"/> is not installed (test.sh installs it).</summary>
    public static void SkipUnlessInstalled(string program) =>
        Skip.IfNot(File.Exists(program), $"{program} is not installed; scripts/test.sh installs it");

    /// <summary>
    /// Starts <paramref name="program"/> to listen at <paramref name="url"/> with the arguments <paramref name="arguments"/>
    /// makes of its temp directory, and waits until <paramref name="ready"/>.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string program, Uri url, Func<TempDir, IEnumerable<string>> arguments, Func<Task<bool>> ready)
    {
        SkipUnlessInstalled(program);
        var dir = new TempDir();
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments(dir))
        {
            start.ArgumentList.Add(argument);
        }

        var server = new ServerProcess(Process.Start(start)!, dir, url);
        try
        {
            await Eventually.TrueAsync(async () => server._process.HasExited || await ready(), StartTimeout, $"{program} to be ready");
            if (server._process.HasExited)
            {
                Assert.Fail($"{program} exited with {server._process.ExitCode}: {server.Output}");
            }

            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>http://127.0.0.1:PORT/ on a free port.</summary>
    public static Uri FreeLoopbackUrl() => new($"http://127.0.0.1:{StandIn.FreePort()}/");

    /// <summary>True when GET <paramref name="url"/> answers 200 and its body contains <paramref name="expected"/>.</summary>
    public static async Task<bool> AnswersAsync(Uri url, string expected = "")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains(expected, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _ = NodeAgent.Native.Libc.Kill(_process.Id, NodeAgent.Native.Libc.SigKill);
            _process.WaitForExit();
        }

        _process.Dispose();
        Dir.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
