using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Net.Client;
using NodeAgent.Contracts;
using NodeAgent.Contracts.V1;

namespace Footprint;

/// <summary>
/// One packaged agent started as systemd would start it (NOTIFY_SOCKET set), with a one-component
/// catalog under the process manager, timed from exec to its READY=1.
/// </summary>
internal sealed class AgentUnderTest : IAsyncDisposable
{

    private readonly Process _process;
    private readonly GrpcChannel _channel;
    private readonly string _dir;

    private AgentUnderTest(string name, Process process, string dir, TimeSpan readyAfter)
    {
        Name = name;
        _process = process;
        _dir = dir;
        ReadyAfter = readyAfter;
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = UnixSocketHandler.Create(Path.Combine(dir, "agent.sock")) });
        Client = new NodeAgentService.NodeAgentServiceClient(_channel);
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public TimeSpan ReadyAfter { get; }

    public NodeAgentService.NodeAgentServiceClient Client { get; }

    /// <summary>When the agent logged its start timeline (the JIT and floor servers too: the floor logs nothing, so null).</summary>
    public StartTimes? Timeline { get; private set; }

    /// <summary>Writes the one-component catalog and its stand-in binary into <paramref name="dir"/>.</summary>
    public static async Task<string> WriteConfigAsync(string name, string dir, bool allowFailpoints = false)
    {
        Directory.CreateDirectory(dir);
        var component = Path.Combine(dir, "component");
        await File.WriteAllTextAsync(component, Component("v1.10.11"));
        File.SetUnixFileMode(component, (UnixFileMode)Convert.ToInt32("755", 8));
        var config = Path.Combine(dir, "agent.yaml");
        await File.WriteAllTextAsync(config, $"""
            nodeName: footprint-{name}
            stateDir: {dir}/state
            serviceManager: process
            listeners:
              unixSocket: {dir}/agent.sock
            store:
              minFreeBytes: 0
            security:
              allowUnsignedReleases: true
            testing:
              allowFailpoints: {(allowFailpoints ? "true" : "false")}
            components:
              - name: kubelet
                unit: kubelet
                healthStableSeconds: 0
                files:
                  - {'{'} role: binary, path: {component}, mode: "0755" {'}'}
            """);
        return config;
    }

    /// <summary>A stand-in component: prints <paramref name="version"/> for --version, else sleeps.</summary>
    public static string Component(string version) => $"#!/bin/sh\n[ \"$1\" = --version ] && {{ echo {version}; exit 0; }}\nexec sleep 100000\n";

    /// <summary>Starts <paramref name="command"/> against the config in <paramref name="dir"/> and waits for its READY=1.</summary>
    public static async Task<AgentUnderTest> StartAsync(string name, string[] command, string dir, IReadOnlyDictionary<string, string> environment)
    {
        var notify = Path.Combine(dir, "notify.sock");
        File.Delete(notify);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(notify));
        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in command[1..].Concat(["--config", Path.Combine(dir, "agent.yaml")]))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["NOTIFY_SOCKET"] = notify;
        var timeline = new TaskCompletionSource<StartTimes>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && StartTimes.Parse(line) is { } times)
            {
                timeline.TrySetResult(times);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (!Encoding.UTF8.GetString(buffer, 0, await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)).Split('\n').Contains("READY=1"))
            {
            }
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{name}: no READY=1 on NOTIFY_SOCKET within 60 s");
        }

        var ready = clock.Elapsed;
        await Console.Error.WriteLineAsync($"{name}: READY=1 after {ready.TotalMilliseconds:F0} ms");
        var agent = new AgentUnderTest(name, process, dir, ready);
        // The line is logged just before READY=1; the floor server logs nothing.
        var logged = await Task.WhenAny(timeline.Task, Task.Delay(TimeSpan.FromSeconds(2), TimeProvider.System));
        agent.Timeline = logged == timeline.Task ? await timeline.Task : null;
        return agent;
    }

    /// <summary>Makes <paramref name="count"/> GetInfo calls, 8 at a time, and returns the resident memory after them.</summary>
    public async Task<double> CallsAsync(int count)
    {
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) => await Client.GetInfoAsync(new GetInfoRequest(), cancellationToken: ct));
        return Sampler.RssKib(Pid);
    }

    /// <summary>Stages a random blob of <paramref name="bytes"/> and returns the resident memory after it.</summary>
    public async Task<double> StageAsync(long bytes)
    {
        var chunk = new byte[1024 * 1024];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var seed = new Random(17);
        for (long sent = 0; sent < bytes; sent += chunk.Length)
        {
            seed.NextBytes(chunk);
            hash.AppendData(chunk);
        }

        using var call = Client.StageArtifact();
        await call.RequestStream.WriteAsync(new StageArtifactRequest { Header = new ArtifactHeader { Name = "footprint-blob", Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()), Size = bytes } });
        seed = new Random(17);
        for (long sent = 0; sent < bytes; sent += chunk.Length)
        {
            seed.NextBytes(chunk);
            await call.RequestStream.WriteAsync(new StageArtifactRequest { Chunk = ByteString.CopyFrom(chunk) });
        }

        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync;
        return Sampler.RssKib(Pid);
    }

    /// <summary>Stages <paramref name="content"/> in one chunk and returns its digest.</summary>
    public async Task<string> StageSmallAsync(string name, byte[] content)
    {
        var digest = Convert.ToHexStringLower(SHA256.HashData(content));
        using var call = Client.StageArtifact();
        await call.RequestStream.WriteAsync(new StageArtifactRequest { Header = new ArtifactHeader { Name = name, Sha256 = digest, Size = content.Length } });
        await call.RequestStream.WriteAsync(new StageArtifactRequest { Chunk = ByteString.CopyFrom(content) });
        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync;
        return digest;
    }

    /// <summary>Waits until the process has exited on its own (a failpoint killed it).</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        foreach (var proc in Directory.EnumerateDirectories("/proc").Where(p => int.TryParse(Path.GetFileName(p), out _)))
        {
            try
            {
                // The component's shell execs into `sleep`, whose command line no longer names the directory; its
                // environment (the NOTIFY_SOCKET it inherited from the agent) still does.
                if (File.ReadAllText(Path.Combine(proc, "cmdline")).Contains(_dir, StringComparison.Ordinal)
                    || File.ReadAllText(Path.Combine(proc, "environ")).Contains(_dir, StringComparison.Ordinal))
                {
                    Process.GetProcessById(int.Parse(Path.GetFileName(proc), System.Globalization.CultureInfo.InvariantCulture)).Kill();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // Gone already.
            }
        }
    }
}
