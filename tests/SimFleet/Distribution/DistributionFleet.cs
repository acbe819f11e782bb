using System.Security.Cryptography;
using AgentCtl.Certs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent;
using NodeAgent.Client.Transport;
using NodeAgent.Configuration;
using NodeAgent.Contracts.Security;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Plans;

namespace SimFleet.Distribution;

/// <summary>
/// Real agents on loopback for the distribution tests and benchmark: each the production agent (AgentApp) with its own state
/// directory, mutual-TLS listener, certificate naming its node and a peer-role client certificate; one origin; and
/// the coordinator's operator certificate with a client pool for the calls.
/// </summary>
internal sealed class DistributionFleet : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("na-dist-").FullName;
    private readonly Dictionary<string, WebApplication> _agents = new(StringComparer.Ordinal);
    private readonly List<PlanNode> _nodes = [];
    private IssuedCertificate _ca = null!;
    private AgentClientPool _pool = null!;

    public OriginServer Origin { get; private set; } = null!;

    public IReadOnlyList<PlanNode> Nodes => _nodes;

    public ClientTlsFiles Coordinator { get; private set; } = null!;

    /// <summary>Starts <paramref name="count"/> agents with the given fetch and serve limits (bytes/s, 0: none).</summary>
    public static async Task<DistributionFleet> StartAsync(int count, long fetchLimit = 0, long serveLimit = 0, Func<int, string>? zone = null)
    {
        var fleet = new DistributionFleet();
        try
        {
            await fleet.StartCoreAsync(count, fetchLimit, serveLimit, zone ?? (_ => ""));
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    public NodeDistributionService.NodeDistributionServiceClient Distribution(string node) => _pool.DistributionFor(Node(node));

    /// <summary>The distribution client of a plan node (as ArtifactPull takes it).</summary>
    public NodeDistributionService.NodeDistributionServiceClient DistributionClient(PlanNode node) => _pool.DistributionFor(node);

    public NodeAgentService.NodeAgentServiceClient Agent(string node) => _pool.For(Node(node));

    public PlanNode Node(string name) => _nodes.First(n => n.Name == name);

    /// <summary>A client of <paramref name="node"/> with a new certificate of the given role.</summary>
    public NodeDistributionService.NodeDistributionServiceClient DistributionAs(string node, string role)
    {
        var now = TimeProvider.System.GetUtcNow();
        CertificateFactory.CreateClient(_ca, role + "-caller", role, [], now.AddHours(-1), now.AddDays(1)).Write(Combine("pki"), role + "-caller");
        var pool = new AgentClientPool(3, new ClientTlsFiles(Combine("pki", "ca.pem"), Combine("pki", role + "-caller.pem"), Combine("pki", role + "-caller.key")));
        return pool.DistributionFor(Node(node));
    }

    public string StateDir(string node) => Combine("nodes", node, "state");

    public string BlobPath(string node, string digest) => Path.Combine(StateDir(node), "blobs", "sha256", digest);

    public string PartialPath(string node, string digest) => Path.Combine(StateDir(node), "tmp", digest + ".fetch.partial");

    /// <summary>Writes a random file of <paramref name="size"/> bytes into the origin's directory.</summary>
    public PlanArtifact AddArtifact(string name, long size)
    {
        var path = Path.Combine(Origin.Directory, name);
        var buffer = new byte[1024 * 1024];
        using (var file = File.Create(path))
        {
            for (long written = 0; written < size; written += buffer.Length)
            {
                RandomNumberGenerator.Fill(buffer);
                file.Write(buffer, 0, (int)Math.Min(buffer.Length, size - written));
            }
        }

        using var read = File.OpenRead(path);
        return new PlanArtifact(name, Convert.ToHexStringLower(SHA256.HashData(read)), size, path);
    }

    /// <summary>Puts content straight into a node's store under <paramref name="digest"/> (a liar when it does not match).</summary>
    public void Plant(string node, string digest, byte[] content) => File.WriteAllBytes(BlobPath(node, digest), content);

    /// <summary>Kills an agent: stops it without draining, so that its open streams break mid-transfer.</summary>
    public async Task KillAgentAsync(string node)
    {
        var app = _agents[node];
        _agents.Remove(node);
        await app.StopAsync(new CancellationToken(canceled: true));
        await app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _pool?.Dispose();
        foreach (var app in _agents.Values)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (Origin is not null)
        {
            await Origin.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    private string Combine(params string[] parts) => Path.Combine([_root, .. parts]);

    private async Task StartCoreAsync(int count, long fetchLimit, long serveLimit, Func<int, string> zone)
    {
        var now = TimeProvider.System.GetUtcNow();
        var pki = Combine("pki");
        _ca = CertificateFactory.CreateAuthority("Distribution test CA", now.AddHours(-1), now.AddDays(1));
        _ca.Write(pki, "ca");
        CertificateFactory.CreateClient(_ca, "coordinator", "operator", [], now.AddHours(-1), now.AddDays(1)).Write(pki, "coordinator");
        Coordinator = new ClientTlsFiles(Path.Combine(pki, "ca.pem"), Path.Combine(pki, "coordinator.pem"), Path.Combine(pki, "coordinator.key"));
        _pool = new AgentClientPool(3, Coordinator);
        var originDir = Combine("origin");
        Directory.CreateDirectory(originDir);
        Origin = await OriginServer.StartAsync(originDir);
        for (var i = 0; i < count; i++)
        {
            var node = $"node-{i:D2}";
            var port = await StartAgentAsync(node, fetchLimit, serveLimit);
            _nodes.Add(new PlanNode(node, Roles.Worker, $"127.0.0.1:{port}", zone(i)));
        }
    }

    private async Task<int> StartAgentAsync(string node, long fetchLimit, long serveLimit)
    {
        var now = TimeProvider.System.GetUtcNow();
        var directory = Combine("nodes", node);
        Directory.CreateDirectory(directory);
        CertificateFactory.CreateAgent(_ca, node, ["127.0.0.1"], now.AddHours(-1), now.AddDays(1)).Write(directory, "agent");
        CertificateFactory.CreateClient(_ca, node + "-peer", "peer", [], now.AddHours(-1), now.AddDays(1)).Write(directory, "peer");
        var binary = Path.Combine(directory, "bin", "kubelet");
        Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
        File.WriteAllText(binary, "#!/bin/sh\necho v1.0.0\n");
        var config = Path.Combine(directory, "agent.yaml");
        File.WriteAllText(config, $"""
            nodeName: {node}
            stateDir: {directory}/state
            serviceManager: process
            listeners:
              unixSocket: ""
              tcp:
                enabled: true
                address: 127.0.0.1
                port: 0
            security:
              allowUnsignedReleases: true
              tls:
                certificate: {directory}/agent.pem
                key: {directory}/agent.key
                clientCa: {Combine("pki", "ca.pem")}
            store:
              minFreeBytes: 0
            logging:
              target: stderr
            health:
              probeIntervalSeconds: 3600
            distribution:
              origins: ["{Origin.BaseUrl}"]
              maxFetchBytesPerSecond: {fetchLimit}
              maxServeBytesPerSecond: {serveLimit}
              peerCertificate: {directory}/peer.pem
              peerKey: {directory}/peer.key
              peerCa: {Combine("pki", "ca.pem")}
              sourceIdleSeconds: 10
            components:
              - name: kubelet
                unit: kubelet
                files:
                  - role: binary
                    path: {binary}
                    mode: "0755"
                healthUrl: http://127.0.0.1:9/healthz
            """);
        var app = AgentApp.Create(AgentConfigLoader.Load(config), ["--hostBuilder:reloadConfigOnChange=false"]);
        _agents.Add(node, app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address).Port;
    }
}
