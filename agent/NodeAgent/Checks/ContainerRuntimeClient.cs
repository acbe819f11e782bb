using Grpc.Core;
using Grpc.Net.Client;
using NodeAgent.Configuration;
using NodeAgent.Contracts;
using NodeAgent.Contracts.Cri;

namespace NodeAgent.Checks;

/// <summary>Lists the node's pod sandboxes and containers through the runtime's CRI socket (ContainerRuntime:Endpoint).</summary>
internal sealed class ContainerRuntimeClient(AgentOptions options, TimeProvider time) : IDisposable
{
    private readonly Lazy<GrpcChannel>? _channel = options.ContainerRuntime.Endpoint is { Length: > 0 } endpoint
        ? new(() => GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = UnixSocketHandler.Create(endpoint) }))
        : null;

    /// <summary>Every container with its pod; throws <see cref="ContainerRuntimeException"/> when the runtime cannot tell.</summary>
    public async Task<RuntimeSnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        if (_channel is null)
        {
            throw new ContainerRuntimeException("no container runtime configured (ContainerRuntime:Endpoint)");
        }

        var endpoint = options.ContainerRuntime.Endpoint!;
        var client = new RuntimeService.RuntimeServiceClient(_channel.Value);
        var deadline = (time.GetUtcNow() + TimeSpan.FromSeconds(options.ContainerRuntime.TimeoutSeconds)).UtcDateTime;
        try
        {
            var pods = await client.ListPodSandboxAsync(new ListPodSandboxRequest(), deadline: deadline, cancellationToken: cancellationToken);
            var containers = await client.ListContainersAsync(new ListContainersRequest(), deadline: deadline, cancellationToken: cancellationToken);
            var byId = pods.Items.ToDictionary(p => p.Id, p => p.Metadata, StringComparer.Ordinal);
            return new RuntimeSnapshot(containers.Containers.Select(c =>
            {
                var pod = byId.GetValueOrDefault(c.PodSandboxId);
                return new SeenContainer(pod?.Namespace ?? "", pod?.Name ?? "", c.Metadata?.Name ?? "", c.Id, c.Metadata?.Attempt ?? 0, c.PodSandboxId, c.State == ContainerState.ContainerRunning);
            }).ToList());
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var why = ex.StatusCode switch
            {
                StatusCode.Unavailable when !File.Exists(endpoint) => "no such socket",
                StatusCode.Unavailable => "unavailable",
                StatusCode.DeadlineExceeded => $"no answer within {options.ContainerRuntime.TimeoutSeconds} s",
                _ => $"{ex.StatusCode}: {ex.Status.Detail}",
            };
            throw new ContainerRuntimeException($"the container runtime at {endpoint} did not answer ({why})");
        }
    }

    public void Dispose()
    {
        if (_channel is { IsValueCreated: true })
        {
            _channel.Value.Dispose();
        }
    }
}
