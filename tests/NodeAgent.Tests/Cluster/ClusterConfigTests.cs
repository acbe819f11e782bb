using NodeAgent.Configuration;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cluster;

[Trait("Category", "Cluster")]
public sealed class ClusterConfigTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_RuntimeApiServerAndChecks_Bind()
    {
        var path = Write("ok.yaml", """
            containerRuntime: { endpoint: /run/containerd/containerd.sock, timeoutSeconds: 5 }
            apiServer: { endpoints: ["10.0.0.1:6443", "[fd00::1]:6443"] }
            """, "checkContainers: true", "countConnections: true");

        var options = AgentConfigLoader.Load(path);

        Assert.Equal("/run/containerd/containerd.sock", options.ContainerRuntime.Endpoint);
        Assert.Equal(5, options.ContainerRuntime.TimeoutSeconds);
        Assert.Equal(["10.0.0.1:6443", "[fd00::1]:6443"], options.ApiServer.Endpoints);
        var kubelet = Assert.Single(new ComponentCatalog(options).Components);
        Assert.True(kubelet.CheckContainers);
        Assert.True(kubelet.CountConnections);
    }

    [Fact]
    public void Load_ChecksOmitted_OffAndNoRuntime()
    {
        var options = AgentConfigLoader.Load(Write("default.yaml", ""));

        var kubelet = Assert.Single(new ComponentCatalog(options).Components);
        Assert.False(kubelet.CheckContainers);
        Assert.False(kubelet.CountConnections);
        Assert.Null(options.ContainerRuntime.Endpoint);
    }

    [Fact]
    public void Load_BadRuntimeAndEndpoints_EveryKeyNamed()
    {
        var path = Write("bad.yaml", """
            containerRuntime: { endpoint: run/containerd.sock, timeoutSeconds: 0 }
            apiServer: { endpoints: ["10.0.0.1", "api.example:6443", "10.0.0.1:70000", "fd00::1:6443", "10.0.0.2:6443"] }
            """);

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(path));

        foreach (var expected in new[]
        {
            "ContainerRuntime:Endpoint: must be an absolute path",
            "ContainerRuntime:TimeoutSeconds: must be in (0, 300], not 0",
            "ApiServer:Endpoints:0: \"10.0.0.1\" is not an IP address and port",
            "ApiServer:Endpoints:1: \"api.example:6443\" is not an IP address and port",
            "ApiServer:Endpoints:2: \"10.0.0.1:70000\"",
            "ApiServer:Endpoints:3: \"fd00::1:6443\"",
        })
        {
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Endpoints:4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CountConnectionsWithoutEndpoints_Refused()
    {
        var path = Write("count.yaml", "", "countConnections: true");

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains("Components:0:CountConnections: needs at least one ApiServer:Endpoints entry", error.Message, StringComparison.Ordinal);
    }

    private string Write(string name, string topLevel, params string[] componentKeys)
    {
        var path = _dir.Combine(name);
        var extra = string.Concat(componentKeys.Select(k => $"\n    {k}"));
        File.WriteAllText(path, $"""
            {topLevel}
            components:
              - name: kubelet
                unit: kubelet.service
                files:
                  - role: binary
                    path: /usr/local/bin/kubelet{extra}
            security:
              allowUnsignedReleases: true

            """);
        return path;
    }
}
