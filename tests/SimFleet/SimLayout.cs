using System.Globalization;
using System.Text;

namespace SimFleet;

/// <summary>The files of a simulated node: its installed binaries (scripts that print their version) and its agent's config.</summary>
internal static class SimLayout
{
    public const string FromVersion = "v1.10.11";
    public const string TargetVersion = "v1.17.0";

    /// <summary>The components of every simulated node, in the order a rollout applies them.</summary>
    public static readonly IReadOnlyList<string> Components = ["kubelet", "kube-proxy"];

    public static string NodeName(int index) => string.Create(CultureInfo.InvariantCulture, $"node-{index:00000}");

    /// <summary>A stand-in binary of a version: a shell script printing it for <c>--version</c> (the service itself is simulated).</summary>
    public static string BinaryScript(string component, string version) => $"#!/bin/sh\necho \"{component} {version}\"\n";

    public static void WriteBinary(string path, string component, string version)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, BinaryScript(component, version));
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
    }

    /// <summary>
    /// Installs the old binaries of a node and returns its agent config path (mutual TLS on an ephemeral loopback port).
    /// A thousand nodes share this machine's cores, so a healthz answer may wait for CPU: the HTTP timeout is longer than
    /// a real node's, and the background probe (not used by an apply) runs hourly.
    /// </summary>
    public static string WriteAgentNode(string directory, string node, int healthPort, string caBundle)
    {
        var yaml = new StringBuilder($"""
            nodeName: {node}
            stateDir: {directory}/state
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
                clientCa: {caBundle}
            logging:
              target: stderr
            health:
              probeIntervalSeconds: 3600
              httpTimeoutSeconds: 15
              defaultTimeoutSeconds: 60
            components:

            """);
        foreach (var component in Components)
        {
            var binary = Path.Combine(directory, "bin", component);
            WriteBinary(binary, component, FromVersion);
            yaml.Append($"""
                  - name: {component}
                    unit: {component}
                    files:
                      - role: binary
                        path: {binary}
                        mode: "0755"
                    healthUrl: http://127.0.0.1:{healthPort}/{node}/{component}/healthz
                    healthStableSeconds: 0

                """);
            if (component == "kubelet")
            {
                yaml.Append($"""
                        marker:
                          path: {directory}/var/lib/kubelet/nodeagent-upgrade-marker.json

                    """);
            }
        }

        var path = Path.Combine(directory, "agent.yaml");
        File.WriteAllText(path, yaml.ToString());
        return path;
    }
}
