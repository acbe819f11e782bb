using System.Diagnostics;
using NodeAgent.Configuration;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Configuration;

[Trait("Category", "AgentCore")]
public sealed class AgentConfigTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_ValidYaml_BindsTheCatalog()
    {
        var path = Write("ok.yaml", "security:\n  allowUnsignedReleases: true\n" + Component("kubelet", "/usr/local/bin/kubelet"));

        var options = AgentConfigLoader.Load(path);

        var kubelet = Assert.Single(new ComponentCatalog(options).Components);
        Assert.Equal("kubelet.service", kubelet.Unit);
        Assert.Equal((UnixFileMode)Convert.ToInt32("755", 8), kubelet.Binary.Mode);
        Assert.Equal("/var/lib/kubelet/marker.json", kubelet.Marker!.Path);
        Assert.Equal(new Uri("http://127.0.0.1:10248/healthz"), kubelet.HealthUrl);
    }

    [Fact]
    public void Load_ValidJson_Binds()
    {
        var path = Write("ok.json", """
            { "stateDir": "/var/lib/na", "security": { "allowUnsignedReleases": true }, "components": [ { "name": "kube-proxy", "unit": "kube-proxy.service",
              "files": [ { "role": "binary", "path": "/usr/local/bin/kube-proxy" } ] } ] }
            """);

        var options = AgentConfigLoader.Load(path);

        Assert.Equal("kube-proxy", Assert.Single(options.Components).Name);
    }

    [Fact]
    public void Load_ManyProblems_EveryKeyNamed()
    {
        var path = Write("bad.yaml", """
            stateDir: relative/state
            serviceManager: upstart
            listeners:
              tcp:
                enabled: true
                address: 10.0.0.5
                plaintext: true
            components:
              - name: kubelet
                unit: kubelet.service
                files:
                  - role: binary
                    path: /usr/local/bin/kubelet
                    mode: "9999"
                  - role: config
                    path: ../etc/shadow
                marker:
                  path: /var/lib/kubelet/marker
                  format: xml
              - name: kubelet
                unit: "bad unit"
                files:
                  - role: config
                    path: /etc/kubernetes/x.json
            """);

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(path));

        foreach (var expected in new[]
        {
            "StateDir: must be an absolute path",
            "ServiceManager: must be \"systemd\" or \"process\"",
            "Listeners:Tcp:Plaintext: plaintext is only allowed on a loopback address",
            "Components:0:Files:0:Mode: \"9999\" is not an octal mode",
            "Components:0:Files:1:Path: must be an absolute path",
            "Components:0:Marker:Format: must be \"json\" or \"env\"",
            "Components:1:Name: \"kubelet\" is configured twice",
            "Components:1:Unit: unit name \"bad unit\" may only contain",
            "Components:1:Files: no file has role \"binary\"",
        })
        {
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("4755")]
    [InlineData("2755")]
    [InlineData("1777")]
    public void Load_SetuidSetgidOrStickyMode_IsRefused(string mode)
    {
        var path = Write($"mode-{mode}.yaml", Component("kubelet", "/usr/local/bin/kubelet").Replace("path: /usr/local/bin/kubelet", $"path: /usr/local/bin/kubelet\n        mode: \"{mode}\"", StringComparison.Ordinal));

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains($"Components:0:Files:0:Mode: \"{mode}\" is not an octal mode of permission bits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SecurityProblems_EveryKeyNamed()
    {
        var path = Write("security.yaml", $$"""
            listeners:
              tcp:
                enabled: true
                address: 0.0.0.0
            security:
              tls:
                certificate: /nonexistent/agent.pem
                key: relative/agent.key
              plaintextRole: root
              roleMapping:
                - { ou: ops, cn: alice, role: operator }
                - { uri: "spiffe://x", role: superuser }
              socketGroup: no-such-group-{{Guid.NewGuid():N}}
              releasePublicKey: {{Write("not-a-key.pem", "hello")}}
            limits:
              mutatingCallsPerMinute: 0
            {{Component("kubelet", "/usr/bin/kubelet")}}
            """);

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(path));

        foreach (var expected in new[]
        {
            "Security:Tls:Certificate: /nonexistent/agent.pem does not exist (the TCP listener requires mutual TLS)",
            "Security:Tls:Key: must be an absolute path",
            "Security:Tls:ClientCa: must be an absolute path",
            "Security:PlaintextRole: \"root\" is not a role",
            "Security:RoleMapping:0: set exactly one of Ou, Cn and Uri",
            "Security:RoleMapping:1:Role: \"superuser\" is not a role",
            "Security:SocketGroup: no group",
            "Security:ReleasePublicKey: ",
            "Limits:MutatingCallsPerMinute: must be positive, not 0",
        })
        {
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Load_NotANumber_NamesTheKey()
    {
        var path = Write("num.yaml", "store:\n  maxArtifactBytes: lots\n" + Component("kubelet", "/usr/bin/kubelet"));

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains("Store:MaxArtifactBytes", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Load_MisspelledKey_NamedInsteadOfIgnored()
    {
        var path = Write("typo.yaml", "store:\n  maxArtefactBytes: 10\n" + Component("kubelet", "/usr/bin/kubelet"));

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains("maxArtefactBytes", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Load_MarkerPathIsACatalogFile_Refused()
    {
        var path = Write("clash.yaml", Component("kubelet", "/var/lib/kubelet/marker.json"));

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(path));

        Assert.Contains("Components:0:Marker:Path: \"/var/lib/kubelet/marker.json\" is also a catalog file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_SaysHowToPointAtOne()
    {
        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(_dir.Combine("absent.yaml")));

        Assert.Contains("--config", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Daemon_InvalidConfig_ExitsTwoBeforeListeningAndNamesTheKey()
    {
        var socket = _dir.Combine("agent.sock");
        var path = Write("bad.yaml", $"listeners:\n  unixSocket: {socket}\nserviceManager: upstart\n" + Component("kubelet", "/usr/bin/kubelet"));
        var start = new ProcessStartInfo(StandIn.DotnetHost) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "nodeagent.dll"));
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(path);

        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("ServiceManager: must be \"systemd\" or \"process\" (or \"windows\" on Windows), not \"upstart\"", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(socket));
    }

    [Fact]
    public async Task Daemon_ListenerAddressInUse_ExitsOneAndEndsWithASentence()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var path = Write("taken.yaml", $"""
            stateDir: {_dir.Combine("state")}
            listeners:
              unixSocket: {_dir.Combine("agent.sock")}
              tcp: {"{"} enabled: true, plaintext: true, address: 127.0.0.1, port: {port} {"}"}
            security:
              allowUnsignedReleases: true

            """ + Component("kubelet", _dir.Combine("kubelet")));
        var start = new ProcessStartInfo(StandIn.DotnetHost) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "nodeagent.dll"));
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(path);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stdout;

        Assert.True(process.ExitCode == 1, $"exit {process.ExitCode}: {stderr}");
        Assert.StartsWith("nodeagent: cannot start: ", stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1], StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "ApplyEdgeCases")]
    public void Load_HealthStableSeconds_DefaultsToTenSecondsAndRejectsANegativeWindow()
    {
        var defaults = AgentConfigLoader.Load(Write("stable.yaml", "security:\n  allowUnsignedReleases: true\n" + Component("kubelet", "/usr/local/bin/kubelet")));
        var negative = Write("unstable.yaml", "security:\n  allowUnsignedReleases: true\n" + Component("kubelet", "/usr/local/bin/kubelet").Replace("    healthUrl:", "    healthStableSeconds: -1\n    healthUrl:", StringComparison.Ordinal));

        var error = Assert.Throws<AgentConfigException>(() => AgentConfigLoader.Load(negative));

        Assert.Equal(TimeSpan.FromSeconds(10), Assert.Single(new ComponentCatalog(defaults).Components).HealthStable);
        Assert.Contains("Components:0:HealthStableSeconds: must be between 0 (off) and 3600, not -1", error.Message, StringComparison.Ordinal);
    }

    private string Write(string name, string content)
    {
        var path = _dir.Combine(name);
        File.WriteAllText(path, content);
        return path;
    }

    private static string Component(string name, string binary) => $"""
        components:
          - name: {name}
            unit: {name}.service
            healthUrl: http://127.0.0.1:10248/healthz
            files:
              - role: binary
                path: {binary}
            marker:
              path: /var/lib/kubelet/marker.json

        """;
}
