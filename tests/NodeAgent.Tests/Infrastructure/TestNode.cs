using System.Security.Cryptography;
using AgentCtl;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Configuration;
using NodeAgent.Contracts;
using NodeAgent.Contracts.V1;
using Serilog.Core;

namespace NodeAgent.Tests.Infrastructure;

/// <summary>Knobs of a test node.</summary>
internal sealed record TestNodeOptions
{
    public InstallLayout Layout { get; init; } = InstallLayout.Plain;

    /// <summary>healthStableSeconds of both components: short, so that every apply passes through the window without slowing the suite.</summary>
    public double HealthStableSeconds { get; init; } = 0.5;

    public int StartupDelayMs { get; init; } = 150;

    public int DefaultHealthTimeoutSeconds { get; init; } = 15;

    public long MaxArtifactBytes { get; init; } = 64 * 1024 * 1024;

    public long MinFreeBytes { get; init; }

    public double GcMinAgeHours { get; init; } = 72;

    public bool Metrics { get; init; }

    public bool AllowFailpoints { get; init; }

    /// <summary>Also listen on plaintext TCP on loopback at this port (0: no TCP listener).</summary>
    public int TcpPort { get; init; }

    /// <summary>Listen on mutual TLS on loopback at this port, with a fresh test PKI in the node's pki/ directory.</summary>
    public int TlsPort { get; init; }

    /// <summary>Extra keys under "security:" (YAML, indented by two spaces).</summary>
    public string SecurityYaml { get; init; } = "";

    /// <summary>Keys under "limits:" (YAML, indented by two spaces).</summary>
    public string LimitsYaml { get; init; } = "";

    /// <summary>Extra top-level keys (YAML), for example containerRuntime and apiServer.</summary>
    public string AgentYaml { get; init; } = "";

    /// <summary>Extra keys of the kubelet catalog entry, one per line (YAML, no indentation), for example "checkContainers: true".</summary>
    public IReadOnlyList<string> KubeletYaml { get; init; } = [];

    /// <summary>Extra members of the installed kubelet stand-in's JSON config, for example ", \"apiConnections\": {...}".</summary>
    public string KubeletConfigJson { get; init; } = "";
}

/// <summary>The result of one agentctl invocation.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Err);

/// <summary>
/// One simulated node: a temp directory holding stand-in kubelet and kube-proxy binaries and configs at their
/// "installed" paths, the artifacts of other versions, and a real agent (Kestrel on a Unix socket, process
/// service manager) running in this process.
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    private WebApplication? _app;
    private GrpcChannel? _channel;

    private TestNode(TestNodeOptions options)
    {
        Options = options;
        KubeletPort = StandIn.FreePort();
        ProxyPort = StandIn.FreePort();
        MetricsPort = options.Metrics ? StandIn.FreePort() : 0;
        Pki = options.TlsPort > 0 ? new TestPki(Dir.Combine("pki")) : null;
        Layout();
    }

    public TestNodeOptions Options { get; }

    /// <summary>The node's PKI when it listens on mutual TLS.</summary>
    public TestPki? Pki { get; }

    public TempDir Dir { get; } = new();

    public LogCollector Logs { get; } = new();

    public int KubeletPort { get; }

    public int ProxyPort { get; }

    public int MetricsPort { get; }

    public string ConfigPath => Dir.Combine("agent.yaml");

    public string Socket => Dir.Combine("run", "agent.sock");

    public string StateDir => Dir.Combine("state");

    public string KubeletBinary => Options.Layout == InstallLayout.DirectoryLink ? Dir.Combine("node", "opt", "kube", "current", "kubelet") : Dir.Combine("node", "bin", "kubelet");

    public string KubeletConfig => Options.Layout == InstallLayout.DirectoryLink ? Dir.Combine("node", "opt", "kube", "current", "kubelet.json") : Dir.Combine("node", "etc", "kubelet.json");

    /// <summary>The link of the layout (null for Plain) and the versioned place it points at before any apply.</summary>
    public string? LayoutLink => Options.Layout switch
    {
        InstallLayout.FileLink => KubeletBinary,
        InstallLayout.DirectoryLink => Dir.Combine("node", "opt", "kube", "current"),
        _ => null,
    };

    /// <summary>The old version's place: the file (file link) or directory (directory link) the layout link names.</summary>
    public string VersionedPlace(string version) => Options.Layout == InstallLayout.FileLink
        ? Dir.Combine("node", "opt", "kube", version, "kubelet")
        : Dir.Combine("node", "opt", "kube", version);

    /// <summary>A catalog file that does not exist until an apply creates it.</summary>
    public string KubeletFlags => Dir.Combine("node", "etc", "kubelet-flags.conf");

    public string ProxyBinary => Dir.Combine("node", "bin", "kube-proxy");

    public string MarkerPath => Dir.Combine("node", "marker", "kubelet-upgrade.json");

    public string Artifact(string name) => Dir.Combine("artifacts", name);

    public IServiceProvider Services => _app!.Services;

    public NodeAgentService.NodeAgentServiceClient Client => new(_channel ??= OpenChannel(Socket));

    public static async Task<TestNode> StartAsync(TestNodeOptions? options = null)
    {
        var node = new TestNode(options ?? new TestNodeOptions());
        await node.StartAgentAsync();
        return node;
    }

    /// <summary>A node laid out but with no agent running yet (to arrange journals before a start).</summary>
    public static TestNode Create(TestNodeOptions? options = null) => new(options ?? new TestNodeOptions());

    public async Task StartAgentAsync()
    {
        _app = AgentApp.Create(AgentConfigLoader.Load(ConfigPath), [], services => services.AddSingleton<ILogEventSink>(Logs));
        await _app.StartAsync();
    }

    public async Task StopAgentAsync()
    {
        _channel?.Dispose();
        _channel = null;
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async Task<CliResult> CtlAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await AgentCtlApp.RunAsync([.. args, "--socket", Socket], output, error, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public static string Digest(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Stages an artifact through agentctl and returns its digest.</summary>
    public async Task<string> StageAsync(string artifactName)
    {
        var result = await CtlAsync("stage", Artifact(artifactName));
        Assert.True(result.ExitCode == 0, result.Err);
        return Digest(Artifact(artifactName));
    }

    public async Task<Operation> WaitForOperationAsync(string id)
    {
        Operation? op = null;
        await Eventually.TrueAsync(
            async () => (op = (await Client.GetOperationAsync(new GetOperationRequest { OperationId = id })).Operation).State != OperationState.Running,
            TimeSpan.FromSeconds(60),
            $"operation {id} to finish");
        return op!;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAgentAsync();
        KillLeftoverServices();
        Dir.Dispose();
    }

    /// <summary>
    /// Stand-ins started by an agent that was killed may outlive it, even unrecorded (killed between starting one
    /// and writing its pid file): stop every process whose command line names this node's own temp directory.
    /// </summary>
    private void KillLeftoverServices() => ProcessReaper.KillByCommandLine(Dir.Path + "/");

    public static GrpcChannel OpenChannel(string socket) =>
        GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = UnixSocketHandler.Create(socket) });

    private static string Section(string name, string body) => body.Length == 0 ? "" : $"{name}:\n{body.TrimEnd()}\n";

    private void Layout()
    {
        LayOutKubelet();
        StandIn.WriteBinary(ProxyBinary, "v1.10.11");
        Directory.CreateDirectory(Dir.Combine("node", "etc"));
        File.WriteAllText(Dir.Combine("node", "etc", "kube-proxy.json"), StandIn.Config(ProxyPort, Options.StartupDelayMs));

        StandIn.WriteBinary(Artifact("kubelet-v1.10.11"), "v1.10.11");
        StandIn.WriteBinary(Artifact("kubelet-v1.17.0"), "v1.17.0");
        StandIn.WriteBinary(Artifact("kubelet-v1.18.0"), "v1.18.0");
        StandIn.WriteBinary(Artifact("kubelet-v1.17.1-broken"), "v1.17.1", "--never-healthy");
        StandIn.WriteBinary(Artifact("kubelet-v1.17.2-dies"), "v1.17.2", "--exit-after-ms 3000");
        StandIn.WriteBinary(Artifact("kube-proxy-v1.17.0"), "v1.17.0");
        File.WriteAllText(Artifact("kubelet-config-v1.17.json"), StandIn.Config(KubeletPort, Options.StartupDelayMs + 1));
        File.WriteAllText(Artifact("kubelet-flags-v1.17.conf"), "--feature-gates=TaintBasedEvictions=true\n");

        var agentYaml = Options.AgentYaml.Length == 0 ? "" : Options.AgentYaml.TrimEnd() + "\n";
        var kubeletYaml = string.Concat(Options.KubeletYaml.Select(line => "\n    " + line));
        var metrics = Options.Metrics ? $"\n  metrics: 127.0.0.1:{MetricsPort}" : "";
        var tcp = Options.TcpPort > 0 ? $"\n  tcp:\n    enabled: true\n    address: 127.0.0.1\n    port: {Options.TcpPort}\n    plaintext: true" : "";
        // Tests set what they need: unsigned releases unless a test brings a release key, and the plaintext
        // listener's callers as admin unless a test lowers them.
        var security = Options.SecurityYaml.Length == 0 ? "" : Options.SecurityYaml.TrimEnd() + "\n";
        if (!security.Contains("releasePublicKey", StringComparison.Ordinal))
        {
            security += "  allowUnsignedReleases: true\n";
        }

        if (Options.TcpPort > 0 && !security.Contains("plaintextRole", StringComparison.Ordinal))
        {
            security += "  plaintextRole: admin\n";
        }

        if (Pki is not null)
        {
            tcp = $"\n  tcp:\n    enabled: true\n    address: 127.0.0.1\n    port: {Options.TlsPort}";
            security = $"  tls:\n    certificate: {Pki.AgentCertificate}\n    key: {Pki.AgentKey}\n    clientCa: {Pki.CaBundle}\n{security}";
        }
        File.WriteAllText(ConfigPath, $"""
            nodeName: test-node
            stateDir: {StateDir}
            serviceManager: process
            listeners:
              unixSocket: {Socket}{metrics}{tcp}
            store:
              maxArtifactBytes: {Options.MaxArtifactBytes}
              minFreeBytes: {Options.MinFreeBytes}
              gcMinAgeHours: {Options.GcMinAgeHours}
            {Section("security", security)}{Section("limits", Options.LimitsYaml)}{agentYaml}testing:
              allowFailpoints: {(Options.AllowFailpoints ? "true" : "false")}
            health:
              probeIntervalSeconds: 0.5
              defaultTimeoutSeconds: {Options.DefaultHealthTimeoutSeconds}
            components:
              - name: kubelet
                unit: kubelet
                files:
                  - role: binary
                    path: {KubeletBinary}
                    mode: "0755"
                  - role: config
                    path: {KubeletConfig}
                    mode: "0644"
                  - role: flags
                    path: {KubeletFlags}
                    mode: "0600"
                healthUrl: http://127.0.0.1:{KubeletPort}/healthz
                healthStableSeconds: {Options.HealthStableSeconds}
                processArgs: ["--config", "{KubeletConfig}"]
                marker:
                  path: {MarkerPath}
                  format: json{kubeletYaml}
              - name: kube-proxy
                unit: kube-proxy
                files:
                  - role: binary
                    path: {ProxyBinary}
                    mode: "0755"
                healthUrl: http://127.0.0.1:{ProxyPort}/healthz
                healthStableSeconds: {Options.HealthStableSeconds}
                processArgs: ["--config", "{Dir.Combine("node", "etc", "kube-proxy.json")}"]
            """);
    }

    /// <summary>Installs kubelet v1.10.11 and its config as the layout says, links included.</summary>
    private void LayOutKubelet()
    {
        var config = StandIn.Config(KubeletPort, Options.StartupDelayMs, Options.KubeletConfigJson);
        switch (Options.Layout)
        {
            case InstallLayout.FileLink:
                StandIn.WriteBinary(VersionedPlace("v1.10.11"), "v1.10.11");
                Directory.CreateDirectory(Path.GetDirectoryName(KubeletBinary)!);
                File.CreateSymbolicLink(KubeletBinary, VersionedPlace("v1.10.11"));
                break;
            case InstallLayout.DirectoryLink:
                var versioned = VersionedPlace("v1.10.11");
                StandIn.WriteBinary(Path.Combine(versioned, "kubelet"), "v1.10.11");
                File.WriteAllText(Path.Combine(versioned, "README"), "kubelet v1.10.11, installed by hand\n");
                File.CreateSymbolicLink(LayoutLink!, "v1.10.11");
                break;
            default:
                StandIn.WriteBinary(KubeletBinary, "v1.10.11");
                break;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(KubeletConfig)!);
        File.WriteAllText(KubeletConfig, config);
    }
}
