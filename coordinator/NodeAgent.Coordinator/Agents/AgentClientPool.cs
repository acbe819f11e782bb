using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using NodeAgent.Client.Transport;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Agents;

/// <summary>
/// One cached channel per agent, over mutual TLS when the plan has a tls section (the agent's certificate must
/// name the node). Every call the coordinator makes is idempotent (reads, or mutations carrying
/// an operation id), so the transport retries UNAVAILABLE a few times before the plan's own retries take over.
/// </summary>
internal sealed class AgentClientPool(int retries, ClientTlsFiles? tls = null) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<GrpcChannel>> _channels = new(StringComparer.Ordinal);
    private readonly Lazy<ClientTlsMaterial?> _tls = new(() => tls?.Load());

    public NodeAgentService.NodeAgentServiceClient For(PlanNode node) => new(Channel(node));

    /// <summary>The node claim service of the same agent, on the same channel.</summary>
    public NodeClaimService.NodeClaimServiceClient ClaimsFor(PlanNode node) => new(Channel(node));

    public void Dispose()
    {
        foreach (var channel in _channels.Values.Where(c => c.IsValueCreated))
        {
            channel.Value.Dispose();
        }
    }

    private GrpcChannel Channel(PlanNode node) => _channels.GetOrAdd($"{node.Name} {node.Address}", _ => new Lazy<GrpcChannel>(() => Open(node))).Value;

    private GrpcChannel Open(PlanNode node)
    {
        var retry = new MethodConfig
        {
            Names = { MethodName.Default },
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = retries + 1,
                InitialBackoff = TimeSpan.FromMilliseconds(200),
                MaxBackoff = TimeSpan.FromSeconds(2),
                BackoffMultiplier = 2,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        };
        var options = new GrpcChannelOptions
        {
            ServiceConfig = retries > 0 ? new ServiceConfig { MethodConfigs = { retry } } : null,
            MaxRetryBufferPerCallSize = 2 * 1024 * 1024,
            DisposeHttpClient = true,
        };
        var (address, handler) = AgentTransport.Create(AgentAddress.Parse(node.Address), _tls.Value, node.Name);
        options.HttpHandler = handler;
        return GrpcChannel.ForAddress(address, options);
    }
}
