using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using NodeAgent;
using NodeAgent.Configuration;
using NodeAgent.Services;

namespace SimFleet;

/// <summary>
/// Hosts one fleet process: the simulated services and their healthz responder, and one real agent per node (the
/// production <see cref="AgentApp"/> with only the service manager replaced), each on its own mutual-TLS listener with
/// its own state directory, journal and store.
/// </summary>
internal sealed class SimFleetHost : IAsyncDisposable
{
    private const int StartParallelism = 4;
    private readonly List<WebApplication> _agents = [];
    private HealthResponder? _responder;

    private SimFleetHost()
    {
    }

    public SimManifest Manifest { get; private set; } = new(0, 0, [], []);

    public static async Task<SimFleetHost> StartAsync(SimFleetOptions options)
    {
        var host = new SimFleetHost();
        try
        {
            var services = new SimServices(options.Timings, TimeProvider.System);
            host._responder = await HealthResponder.StartAsync(services);
            var pki = SimPki.Open(options.PkiDirectory);
            var agents = new SimNode[options.Agents];
            await Parallel.ForAsync(0, options.Agents, new ParallelOptions { MaxDegreeOfParallelism = StartParallelism }, async (i, _) =>
            {
                agents[i] = await host.StartAgentAsync(options, services, pki, SimLayout.NodeName(options.First + i));
            });
            var agentless = Enumerable.Range(options.First + options.Agents, options.AgentlessHosts)
                .Select(i => LayOutAgentless(options, services, SimLayout.NodeName(i)))
                .ToList();
            host.Manifest = new SimManifest(Environment.ProcessId, host._responder.Port, agents, agentless);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private async Task<SimNode> StartAgentAsync(SimFleetOptions options, SimServices services, SimPki pki, string node)
    {
        var directory = Path.Combine(options.Directory, "nodes", node);
        Directory.CreateDirectory(directory);
        pki.IssueAgent(node, directory);
        var config = SimLayout.WriteAgentNode(directory, node, _responder!.Port, pki.CaBundle);
        foreach (var component in SimLayout.Components)
        {
            services.Add(node, component);
        }

        var manager = new SimServiceManager(services, node);
        // The host's default appsettings.json watch costs an inotify instance per agent (128 per user by default).
        var agent = AgentApp.Create(AgentConfigLoader.Load(config), ["--hostBuilder:reloadConfigOnChange=false"], s => s.AddSingleton<IServiceManager>(manager));
        lock (_agents)
        {
            _agents.Add(agent);
        }

        await agent.StartAsync();
        var address = agent.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimNode(node, $"127.0.0.1:{new Uri(address).Port}", directory);
    }

    private static SimNode LayOutAgentless(SimFleetOptions options, SimServices services, string node)
    {
        var directory = Path.Combine(options.Directory, "hosts", node);
        foreach (var component in SimLayout.Components)
        {
            SimLayout.WriteBinary(Path.Combine(directory, "bin", component), component, SimLayout.FromVersion);
            services.Add(node, component);
        }

        return new SimNode(node, "", directory);
    }

    public async ValueTask DisposeAsync()
    {
        await Parallel.ForEachAsync(_agents, new ParallelOptions { MaxDegreeOfParallelism = StartParallelism }, async (agent, cancellationToken) =>
        {
            await agent.StopAsync(cancellationToken);
            await agent.DisposeAsync();
        });
        if (_responder is not null)
        {
            await _responder.DisposeAsync();
        }
    }
}
