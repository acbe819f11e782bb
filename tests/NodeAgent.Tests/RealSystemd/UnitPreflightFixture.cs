using Grpc.Core;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.RealSystemd;

/// <summary>
/// A booted container whose systemd runs three stand-in units (one per preflight case) and this build's agent (the
/// test output's nodeagent.dll, run with systemd-run, visible inside through the container's overlay of the host's
/// root) with the systemd service manager, listening on a Unix socket in the exchange directory that the test
/// reaches from outside.
/// </summary>
public sealed class UnitPreflightFixture : IAsyncLifetime
{
    /// <summary>The components of the catalog: each test owns one, so their unit states never mix.</summary>
    public static readonly IReadOnlyList<(string Component, int Port)> Components = [("masked", 10251), ("running-masked", 10252), ("missing", 10253), ("late-masked", 10254)];

    internal SystemdContainer? Container { get; private set; }

    public string? SkipReason { get; private set; }

    public string Socket => Path.Combine(Container!.Exchange, "agent.sock");

    public static string Unit(string component) => $"na-{component}.service";

    /// <summary>The component's binary as the agent sees it, inside the container.</summary>
    public static string BinaryInside(string component) => $"{SystemdContainer.ExchangeInside}/node/{component}";

    /// <summary>The same file from the test's side.</summary>
    public string BinaryOutside(string component) => Path.Combine(Container!.Exchange, "node", component);

    public string Artifact => Path.Combine(Container!.Exchange, "artifacts", "v1.17.0");

    public async Task InitializeAsync()
    {
        SkipReason = SystemdContainer.Unavailable();
        if (SkipReason is not null)
        {
            return;
        }

        Container = await SystemdContainer.BootAsync();
        var exchange = Container.Exchange;
        StandIn.WriteBinary(Artifact, "v1.17.0");
        var catalog = new System.Text.StringBuilder();
        foreach (var (component, port) in Components)
        {
            StandIn.WriteBinary(BinaryOutside(component), "v1.10.11");
            File.WriteAllText(Path.Combine(exchange, "node", $"{component}.json"), StandIn.Config(port, 100));
            catalog.Append($$"""
                  - name: {{component}}
                    unit: {{Unit(component)}}
                    files:
                      - { role: binary, path: {{BinaryInside(component)}}, mode: "0755" }
                    healthUrl: http://127.0.0.1:{{port}}/healthz
                    healthStableSeconds: 0

                """);
            if (component != "missing")
            {
                // Under /usr/lib (the container's overlay, not the host): systemctl mask refuses units that live in /etc.
                await Container.MustAsync("sh", "-c", $"printf '[Service]\\nExecStart={BinaryInside(component)} --config {SystemdContainer.ExchangeInside}/node/{component}.json\\n' > /usr/lib/systemd/system/{Unit(component)}");
            }
        }

        File.WriteAllText(Path.Combine(exchange, "agent.yaml"), $"""
            nodeName: preflight-node
            stateDir: {SystemdContainer.ExchangeInside}/state
            serviceManager: systemd
            listeners:
              unixSocket: {SystemdContainer.ExchangeInside}/agent.sock
            security:
              allowUnsignedReleases: true
            testing:
              allowFailpoints: true
            health:
              probeIntervalSeconds: 1
              defaultTimeoutSeconds: 20
            components:
            {catalog}
            """);
        await Container.MustAsync("systemctl", "daemon-reload");
        await Container.MustAsync("systemctl", "start", Unit("masked"), Unit("running-masked"), Unit("late-masked"));
        await StartAgentAsync();
    }

    /// <summary>(Re)starts the agent as the transient unit na-agent, with failpoints armed if given, and waits until it answers.</summary>
    internal async Task StartAgentAsync(string? failpoints = null)
    {
        await Container!.RunAsync("systemctl", "stop", "na-agent.service");
        await Container.RunAsync("systemctl", "reset-failed", "na-agent.service");
        string[] environment = failpoints is null ? [] : [$"--setenv=NODEAGENT_FAILPOINTS={failpoints}"];
        await Container.MustAsync(["systemd-run", "--unit=na-agent", "--property=Type=simple", .. environment,
            StandIn.DotnetHost, Path.Combine(AppContext.BaseDirectory, "nodeagent.dll"), "--config", $"{SystemdContainer.ExchangeInside}/agent.yaml"]);
        try
        {
            await Eventually.TrueAsync(AnswersAsync, TimeSpan.FromSeconds(60), "the agent in the container to answer on its socket");
        }
        catch (Xunit.Sdk.FailException)
        {
            var log = await Container.RunAsync("journalctl", "-u", "na-agent", "--no-pager", "-n", "30");
            throw new TimeoutException($"the agent in the container did not answer on its socket within 60 s; its journal:\n{log.Out}");
        }
    }

    public async Task DisposeAsync()
    {
        if (Container is not null)
        {
            await Container.DisposeAsync();
        }
    }

    /// <summary>agentctl (this build's, in the test process) against the agent's socket.</summary>
    internal async Task<CliResult> CtlAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await global::AgentCtl.AgentCtlApp.RunAsync(["--socket", Socket, .. args], output, error, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    internal NodeAgentService.NodeAgentServiceClient Client() => new(TestNode.OpenChannel(Socket));

    private async Task<bool> AnswersAsync()
    {
        if (!File.Exists(Socket))
        {
            return false;
        }

        try
        {
            await Client().GetInfoAsync(new GetInfoRequest(), deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(2));
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }
}
