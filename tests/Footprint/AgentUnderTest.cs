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

    public static async Task<AgentUnderTest> StartAsync(string name, string[] command, string dir)
    {
        Directory.CreateDirectory(dir);
        var component = Path.Combine(dir, "component");
        await File.WriteAllTextAsync(component, "#!/bin/sh\n[ \"$1\" = --version ] && { echo v1.10.11; exit 0; }\nexec sleep 100000\n");
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
            components:
              - name: kubelet
                unit: kubelet
                files:
                  - {'{'} role: binary, path: {component}, mode: "0755" {'}'}
            """);

        var notify = Path.Combine(dir, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(notify));
        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in command[1..].Concat(["--config", config]))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NOTIFY_SOCKET"] = notify;
        var clock = Stopwatch.StartNew();
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
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
        return new AgentUnderTest(name, process, dir, ready);
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

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        foreach (var proc in Directory.EnumerateDirectories("/proc").Where(p => int.TryParse(Path.GetFileName(p), out _)))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(proc, "cmdline")).Contains(_dir, StringComparison.Ordinal))
                {
                    Process.GetProcessById(int.Parse(Path.GetFileName(proc), System.Globalization.CultureInfo.InvariantCulture)).Kill();
                }
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or InvalidOperationException)
            {
                // Gone already.
            }
        }
    }
}
