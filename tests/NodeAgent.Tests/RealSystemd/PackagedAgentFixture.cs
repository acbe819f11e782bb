using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.RealSystemd;

/// <summary>
/// One booted container with the agent installed from its .deb, a stand-in kubelet as a real systemd unit, and the
/// agent's catalog pointing at it; the agent runs as the packaged nodeagent.service.
/// </summary>
public sealed class PackagedAgentFixture : IAsyncLifetime
{
    public const string Unit = "nodeagent.service";
    public const string KubeletBinary = "/opt/k8s/bin/kubelet";
    public const string KubeletConfig = "/opt/k8s/etc/kubelet.json";
    public const string DropIn = "/etc/systemd/system/kubelet.service.d/10-flags.conf";
    public const int KubeletPort = 10248;

    internal SystemdContainer? Container { get; private set; }

    public string? SkipReason { get; private set; }

    /// <summary>The newest .deb that packaging/build.sh left in artifacts/packages, or null.</summary>
    public static string? Package() =>
        Directory.Exists(Repo.Packages) ? Directory.EnumerateFiles(Repo.Packages, "nodeagent_*_amd64.deb").Order(StringComparer.Ordinal).LastOrDefault() : null;

    public static string? Unavailable() =>
        SystemdContainer.Unavailable() ?? (Package() is null ? $"no nodeagent .deb in {Repo.Packages}: run packaging/build.sh (scripts/test.sh does)" : null);

    public async Task InitializeAsync()
    {
        SkipReason = Unavailable();
        if (SkipReason is not null)
        {
            return;
        }

        Container = await SystemdContainer.BootAsync();
        var container = Container;
        File.Copy(Package()!, Path.Combine(container.Exchange, "nodeagent.deb"));
        WriteStandIns(container.Exchange);
        await container.MustAsync("dpkg", "-i", $"{SystemdContainer.ExchangeInside}/nodeagent.deb");

        await container.MustAsync("sh", "-c", string.Join(" && ",
            "mkdir -p /opt/k8s/bin /opt/k8s/etc /etc/systemd/system/nodeagent.service.d",
            $"install -m 0755 {SystemdContainer.ExchangeInside}/kubelet-v1.10.11 {KubeletBinary}",
            $"cp {SystemdContainer.ExchangeInside}/kubelet.json {KubeletConfig}",
            $"cp {SystemdContainer.ExchangeInside}/kubelet.service /etc/systemd/system/kubelet.service",
            $"cp {SystemdContainer.ExchangeInside}/agent.yaml /etc/nodeagent/agent.yaml",
            $"cp {SystemdContainer.ExchangeInside}/nodeagent-test.conf /etc/systemd/system/nodeagent.service.d/10-test.conf",
            "systemctl daemon-reload",
            "systemctl start kubelet.service",
            "systemctl start nodeagent.service"));
    }

    public async Task DisposeAsync()
    {
        if (Container is not null)
        {
            await Container.DisposeAsync();
        }
    }

    /// <summary>agentctl (the packaged NativeAOT one) inside the container, against the agent's Unix socket.</summary>
    internal Task<ContainerResult> AgentctlAsync(params string[] args) => Container!.RunAsync(["agentctl", .. args]);

    private static void WriteStandIns(string exchange)
    {
        // The stand-in goes into the exchange directory: the agent's unit has PrivateTmp, so a checkout under /tmp
        // would be invisible to its version probes.
        Directory.CreateDirectory(Path.Combine(exchange, "standin"));
        foreach (var file in new[] { "standin.dll", "standin.deps.json", "standin.runtimeconfig.json" })
        {
            File.Copy(Path.Combine(AppContext.BaseDirectory, file), Path.Combine(exchange, "standin", file));
        }

        var dll = $"{SystemdContainer.ExchangeInside}/standin/standin.dll";
        StandIn.WriteBinary(Path.Combine(exchange, "kubelet-v1.10.11"), "v1.10.11", dll: dll);
        StandIn.WriteBinary(Path.Combine(exchange, "kubelet-v1.17.0"), "v1.17.0", dll: dll);
        File.WriteAllText(Path.Combine(exchange, "kubelet-v1.17.0-crashes"), "#!/bin/sh\necho 'v1.17.0'\n[ \"$1\" = --version ] && exit 0\necho 'crashing on start' >&2\nexit 3\n");
        File.WriteAllText(Path.Combine(exchange, "kubelet.json"), StandIn.Config(KubeletPort, 200));
        File.WriteAllText(Path.Combine(exchange, "10-flags.conf"), $"[Service]\nExecStart=\nExecStart={KubeletBinary} --config {KubeletConfig} --startup-delay-ms 100\n");
        File.WriteAllText(Path.Combine(exchange, "kubelet.service"), $"""
            [Unit]
            Description=stand-in kubelet
            [Service]
            Type=simple
            ExecStart={KubeletBinary} --config {KubeletConfig}
            Restart=no
            """);
        File.WriteAllText(Path.Combine(exchange, "nodeagent-test.conf"), "[Service]\nWatchdogSec=6s\n");
        File.WriteAllText(Path.Combine(exchange, "agent.yaml"), $$"""
            nodeName: container-node
            serviceManager: systemd
            security: { allowUnsignedReleases: true }
            health:
              probeIntervalSeconds: 1
              defaultTimeoutSeconds: 30
            components:
              - name: kubelet
                unit: kubelet.service
                files:
                  - { role: binary, path: {{KubeletBinary}}, mode: "0755" }
                  - { role: config, path: {{KubeletConfig}}, mode: "0644" }
                  - { role: unit-dropin, path: {{DropIn}}, mode: "0644" }
                healthUrl: http://127.0.0.1:{{KubeletPort}}/healthz
                healthStableSeconds: 1
            """);
    }
}

/// <summary>Paths in this repository, from the test's output directory.</summary>
internal static class Repo
{
    public static string Root { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    public static string Packages => Path.Combine(Root, "artifacts", "packages");
}
