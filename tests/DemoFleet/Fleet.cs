using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using NodeAgent;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Configuration;
using NodeAgent.Health;
using NodeAgent.Services;

namespace DemoFleet;

/// <summary>
/// A fleet of real agents hosted in this process, one per simulated node, each with its own state directory,
/// Unix socket and stand-in services (kubelet and kube-proxy everywhere, kube-apiserver on control-plane nodes)
/// supervised by the agent's process manager. Every node starts at <see cref="FromVersion"/>.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class Fleet : IAsyncDisposable
{
    public const string FromVersion = "v1.10.11";
    public const string TargetVersion = "v1.17.0";
    private static readonly string[] WorkerComponents = ["kubelet", "kube-proxy"];
    private static readonly string[] ControlPlaneComponents = ["kube-apiserver", "kubelet", "kube-proxy"];

    /// <summary>Also on control-plane nodes, not upgraded by the demo plan: the controllers a rollout stops for its window.</summary>
    private static readonly string[] Controllers = ["kube-controller-manager", "kube-scheduler"];
    private readonly List<WebApplication> _agents = [];

    private Fleet(string directory) => Directory = directory;

    public string Directory { get; }

    public FleetManifest Manifest { get; private set; } = new("", "", [], []);

    public static string DotnetHost { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));

    /// <summary>Lays out <paramref name="nodes"/> nodes (the first <paramref name="controlPlane"/> are control-plane) and starts their agents.</summary>
    /// <remarks>With <paramref name="startupDelayMaxMs"/> above <paramref name="startupDelayMs"/>, every start of a stand-in takes a random time between the two.</remarks>
    public static async Task<Fleet> StartAsync(string directory, int nodes, int controlPlane, int startupDelayMs = 300, int startupDelayMaxMs = 0)
    {
        var fleet = new Fleet(directory);
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            var artifacts = fleet.WriteArtifacts();
            var members = new List<FleetNode>();
            for (var i = 1; i <= nodes; i++)
            {
                var role = i <= controlPlane ? "control-plane" : "worker";
                var name = role == "control-plane" ? $"cp-{i:00}" : $"node-{i - controlPlane:000}";
                var config = fleet.LayOutNode(name, role == "control-plane" ? [.. ControlPlaneComponents, .. Controllers] : WorkerComponents, startupDelayMs, startupDelayMaxMs);
                var agent = AgentApp.Create(AgentConfigLoader.Load(config), []);
                fleet._agents.Add(agent);
                await agent.StartAsync();
                members.Add(new FleetNode(name, role, $"unix:{fleet.NodeDir(name)}/agent.sock"));
            }

            fleet.Manifest = new FleetManifest(FromVersion, TargetVersion, members, artifacts);
            await fleet.WaitUntilHealthyAsync(TimeSpan.FromMinutes(3));
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>The fleet is ready when every stand-in service of every node answers its health probe.</summary>
    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        var deadline = TimeProvider.System.GetUtcNow() + timeout;
        foreach (var agent in _agents)
        {
            var monitor = agent.Services.GetRequiredService<ComponentMonitor>();
            foreach (var component in agent.Services.GetRequiredService<ComponentCatalog>().Components)
            {
                while (!(await monitor.ProbeNowAsync(component, CancellationToken.None)).Healthy)
                {
                    if (TimeProvider.System.GetUtcNow() > deadline)
                    {
                        throw new TimeoutException($"{component.Name} of a fleet node did not become healthy within {timeout}");
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System);
                }
            }
        }
    }

    public void WriteManifest(string path)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(Manifest, FleetJsonContext.Default.FleetManifest));
        File.Move(temp, path, overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            // A graceful agent stop leaves its components running (they are the workload): the fleet stops them itself.
            var services = agent.Services.GetRequiredService<IServiceManager>();
            foreach (var component in agent.Services.GetRequiredService<ComponentCatalog>().Components)
            {
                await services.StopAsync(component.Unit, CancellationToken.None);
            }

            await agent.StopAsync();
            await agent.DisposeAsync();
        }
    }

    /// <summary>A stand-in "binary" of a version: a script that runs the stand-in reporting it.</summary>
    public static string BinaryScript(string version, string extra = "") =>
        $"#!/bin/sh\nexec \"{DotnetHost}\" \"{Path.Combine(AppContext.BaseDirectory, "standin.dll")}\" --reported-version {version} {extra} \"$@\"\n";

    private string NodeDir(string name) => Path.Combine(Directory, "nodes", name);

    private List<FleetArtifact> WriteArtifacts()
    {
        var dir = Path.Combine(Directory, "artifacts");
        System.IO.Directory.CreateDirectory(dir);
        var result = new List<FleetArtifact>();
        foreach (var component in ControlPlaneComponents)
        {
            var path = Path.Combine(dir, $"{component}-{TargetVersion}");
            File.WriteAllText(path, BinaryScript(TargetVersion) + $"# {component}\n");
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
            var bytes = File.ReadAllBytes(path);
            result.Add(new FleetArtifact(Path.GetFileName(path), path, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length));
        }

        return result;
    }

    /// <summary>Writes one node's installed binaries, configs and agent config; returns the config path.</summary>
    private string LayOutNode(string name, string[] components, int startupDelayMs, int startupDelayMaxMs)
    {
        var dir = NodeDir(name);
        var yaml = new System.Text.StringBuilder($"""
            nodeName: {name}
            stateDir: {dir}/state
            serviceManager: process
            listeners:
              unixSocket: {dir}/agent.sock
            security:
              allowUnsignedReleases: true
            health:
              probeIntervalSeconds: 5
              defaultTimeoutSeconds: 30
            components:

            """);
        foreach (var component in components)
        {
            var binary = Path.Combine(dir, "bin", component);
            var config = Path.Combine(dir, "etc", $"{component}.json");
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(config)!);
            File.WriteAllText(binary, BinaryScript(FromVersion) + $"# {component}\n");
            File.SetUnixFileMode(binary, (UnixFileMode)Convert.ToInt32("755", 8));
            var port = FreePort();
            File.WriteAllText(config, $"{{\"port\": {port}, \"startupDelayMs\": {startupDelayMs}, \"startupDelayMaxMs\": {startupDelayMaxMs}}}");
            yaml.Append($"""
                  - name: {component}
                    unit: {component}
                    files:
                      - role: binary
                        path: {binary}
                        mode: "0755"
                    healthUrl: http://127.0.0.1:{port}/healthz
                    healthStableSeconds: 1
                    processArgs: ["--config", "{config}"]

                """);
            if (component == "kubelet")
            {
                yaml.Append($"""
                        marker:
                          path: {dir}/var/lib/kubelet/nodeagent-upgrade-marker.json

                    """);
            }
        }

        var path = Path.Combine(dir, "agent.yaml");
        File.WriteAllText(path, yaml.ToString());
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
