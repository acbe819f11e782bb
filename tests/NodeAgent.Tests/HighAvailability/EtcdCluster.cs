using System.Diagnostics;
using System.Globalization;
using System.Text;
using NodeAgent.Coordinator.Journal.Etcd;
using NodeAgent.Tests.Cluster;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.HighAvailability;

/// <summary>
/// A real three-member etcd 3.4 cluster (Debian's etcd-server) on loopback ports, each member with its own data
/// directory, so that a member can be killed with SIGKILL and started again on its data.
/// </summary>
internal sealed class EtcdCluster : IAsyncDisposable
{
    private const string Etcd = "/usr/bin/etcd";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();
    private readonly Member[] _members;

    private EtcdCluster()
    {
        _members = [.. Enumerable.Range(0, 3).Select(i => new Member($"m{i}", StandIn.FreePort(), StandIn.FreePort()))];
    }

    public IReadOnlyList<string> Endpoints => [.. _members.Select(m => $"127.0.0.1:{m.ClientPort}")];

    /// <summary>A journal location on this cluster under a prefix of its own.</summary>
    public string Journal(string prefix = "nodeagent") => $"etcd://{string.Join(',', Endpoints)}/{prefix}";

    public EtcdLocation Location(string prefix = "nodeagent") => EtcdLocation.Parse(Journal(prefix));

    public static async Task<EtcdCluster> StartAsync()
    {
        ServerProcess.SkipUnlessInstalled(Etcd);
        var cluster = new EtcdCluster();
        try
        {
            foreach (var i in Enumerable.Range(0, 3))
            {
                cluster.Launch(i);
            }

            await cluster.WaitHealthyAsync([0, 1, 2]);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL of member <paramref name="i"/>; its data stays for <see cref="RestartAsync"/>.</summary>
    public void Kill(int i)
    {
        var process = _members[i].Process ?? throw new InvalidOperationException($"member {i} is not running");
        _ = NodeAgent.Native.Libc.Kill(process.Id, NodeAgent.Native.Libc.SigKill);
        process.WaitForExit();
        process.Dispose();
        _members[i].Process = null;
    }

    public async Task RestartAsync(int i)
    {
        Launch(i);
        await WaitHealthyAsync([i]);
    }

    public string Output(int i) => _members[i].Output.ToString();

    public ValueTask DisposeAsync()
    {
        foreach (var i in Enumerable.Range(0, 3).Where(i => _members[i].Process is not null))
        {
            Kill(i);
        }

        _dir.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Launch(int i)
    {
        var m = _members[i];
        var start = new ProcessStartInfo(Etcd) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var cluster = string.Join(',', _members.Select(o => $"{o.Name}=http://127.0.0.1:{o.PeerPort}"));
        string[] args =
        [
            "--name", m.Name, "--data-dir", _dir.Combine(m.Name),
            "--listen-client-urls", $"http://127.0.0.1:{m.ClientPort}", "--advertise-client-urls", $"http://127.0.0.1:{m.ClientPort}",
            "--listen-peer-urls", $"http://127.0.0.1:{m.PeerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{m.PeerPort}",
            "--initial-cluster", cluster, "--initial-cluster-token", "nodeagent-ha-test", "--initial-cluster-state", "new",
            "--heartbeat-interval", "100", "--election-timeout", "1000",
        ];
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(m, e.Data);
        process.ErrorDataReceived += (_, e) => Append(m, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        m.Process = process;
    }

    private async Task WaitHealthyAsync(int[] members)
    {
        foreach (var i in members)
        {
            var m = _members[i];
            await Eventually.TrueAsync(
                async () => m.Process is { HasExited: true } || await ServerProcess.AnswersAsync(new Uri($"http://127.0.0.1:{m.ClientPort}/health"), "\"health\":\"true\""),
                StartTimeout,
                $"etcd member {m.Name} to be healthy");
            Assert.False(m.Process!.HasExited, $"etcd member {m.Name} exited: {m.Output}");
        }
    }

    private static void Append(Member m, string? line)
    {
        if (line is not null)
        {
            lock (m.Output)
            {
                m.Output.AppendLine(line);
            }
        }
    }

    private sealed class Member(string name, int clientPort, int peerPort)
    {
        public string Name => name;

        public int ClientPort => clientPort;

        public int PeerPort => peerPort;

        public Process? Process { get; set; }

        public StringBuilder Output { get; } = new();

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{name} client {clientPort} peer {peerPort}");
    }
}
