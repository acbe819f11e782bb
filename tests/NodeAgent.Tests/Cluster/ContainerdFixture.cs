using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using NodeAgent.Contracts;
using NodeAgent.Contracts.Cri;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cluster;

/// <summary>The Cluster tests that need a real container runtime share one containerd.</summary>
[CollectionDefinition(Name)]
public sealed class ContainerdGroup : ICollectionFixture<ContainerdFixture>
{
    public const string Name = "containerd";
}

/// <summary>
/// A real containerd (Debian's 1.6) of our own: root, state and sockets in a temp directory, the CRI plugin's
/// sandbox image set to a locally built busybox image (no registry), pods on the host network (no CNI). The
/// machine's own /run/containerd is never used. Dispose removes every pod, kills containerd and its shims,
/// unmounts what is left under the directory and deletes it.
/// </summary>
public sealed class ContainerdFixture : IAsyncLifetime
{
    public const string Image = "nodeagent.test/busybox:1";

    private readonly string _dir = Directory.CreateTempSubdirectory("na-ctrd-").FullName;
    private Process? _containerd;
    private GrpcChannel? _channel;

    public string Socket => Combine("containerd.sock");

    public RuntimeService.RuntimeServiceClient Cri { get; private set; } = null!;

    /// <summary>A kubelet stand-in that runs pods through this runtime.</summary>
    internal CriKubelet Kubelet => new(Cri, Image);

    public async Task InitializeAsync()
    {
        var config = Combine("config.toml");
        var log = Combine("containerd.log");
        File.WriteAllText(config, Configure((await RunAsync("containerd", "config", "default")).Out));
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec containerd --config \"$1\" >\"$2\" 2>&1");
        start.ArgumentList.Add("containerd");
        start.ArgumentList.Add(config);
        start.ArgumentList.Add(log);
        _containerd = Process.Start(start)!;

        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = UnixSocketHandler.Create(Socket) });
        Cri = new RuntimeService.RuntimeServiceClient(_channel);
        await Eventually.TrueAsync(CriAnswersAsync, TimeSpan.FromSeconds(60), $"containerd's CRI to answer on {Socket} (log: {log})");

        var image = Combine("busybox.tar");
        OciImageLayout.Write(image, Image);
        var import = await RunAsync("ctr", "--address", Socket, "-n", "k8s.io", "images", "import", image);
        Assert.True(import.Code == 0, $"ctr images import failed: {import.Out}{import.Err}");
    }

    /// <summary>Stops and removes every pod sandbox (and so its containers): each test starts from an empty node.</summary>
    public async Task RemoveAllPodsAsync()
    {
        foreach (var pod in (await Cri.ListPodSandboxAsync(new ListPodSandboxRequest())).Items)
        {
            await Cri.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = pod.Id });
            await Cri.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = pod.Id });
        }
    }

    public async Task DisposeAsync()
    {
        if (_containerd is { HasExited: false })
        {
            try
            {
                await RemoveAllPodsAsync();
            }
            catch (RpcException)
            {
                // containerd is going anyway; the shims are killed below.
            }

            _containerd.Kill();
            await _containerd.WaitForExitAsync();
        }

        _containerd?.Dispose();
        _channel?.Dispose();

        // Shims name the socket (-address ...) on their command line.
        ProcessReaper.KillByCommandLine(_dir + "/");
        foreach (var mount in MountsUnder(_dir + "/").OrderByDescending(m => m.Length))
        {
            await RunAsync("umount", "-l", mount);
        }

        Directory.Delete(_dir, recursive: true);
    }

    private async Task<bool> CriAnswersAsync()
    {
        if (_containerd!.HasExited)
        {
            Assert.Fail($"containerd exited with {_containerd.ExitCode}: {File.ReadAllText(Combine("containerd.log"))}");
        }

        try
        {
            await Cri.ListPodSandboxAsync(new ListPodSandboxRequest(), deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(2));
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>containerd config default</c> with root, state and the gRPC and ttrpc sockets moved into the temp directory,
    /// the local image as the sandbox (pause) image, and OOM score adjustments restricted.
    /// </summary>
    private string Configure(string defaults)
    {
        var section = "";
        var lines = new List<string>();
        foreach (var line in defaults.Split('\n'))
        {
            var trimmed = line.Trim();
            section = trimmed.StartsWith('[') ? trimmed : section;
            lines.Add(trimmed switch
            {
                _ when line.StartsWith("root = ", StringComparison.Ordinal) => $"root = \"{Combine("root")}\"",
                _ when line.StartsWith("state = ", StringComparison.Ordinal) => $"state = \"{Combine("state")}\"",
                _ when section == "[grpc]" && trimmed.StartsWith("address = ", StringComparison.Ordinal) => $"  address = \"{Socket}\"",
                _ when section == "[ttrpc]" && trimmed.StartsWith("address = ", StringComparison.Ordinal) => $"  address = \"{Combine("ttrpc.sock")}\"",
                _ when trimmed.StartsWith("sandbox_image = ", StringComparison.Ordinal) => $"    sandbox_image = \"{Image}\"",

                // The CRI gives sandboxes an oom_score_adj of -998; lowering it needs CAP_SYS_RESOURCE, which a test
                // machine inside a container may lack (runc init then dies: "can't get final child's PID from pipe").
                // Restricted, containerd caps it at its own score, as for rootless containerd.
                _ when trimmed.StartsWith("restrict_oom_score_adj = ", StringComparison.Ordinal) => "    restrict_oom_score_adj = true",
                _ => line,
            });
        }

        return string.Join('\n', lines);
    }

    private string Combine(string name) => Path.Combine(_dir, name);

    private static List<string> MountsUnder(string prefix) =>
        File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    private static async Task<(int Code, string Out, string Err)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
