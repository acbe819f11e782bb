using Grpc.Core;
using V1 = NodeAgent.Contracts.V1;

namespace NodeAgent.Distribution;

/// <summary>The gRPC adapter of pull staging.</summary>
internal sealed class DistributionGrpcService(ArtifactFetcher fetcher, Health.AgentMetrics metrics) : V1.NodeDistributionService.NodeDistributionServiceBase
{
    public override async Task<V1.FetchArtifactResponse> FetchArtifact(V1.FetchArtifactRequest request, ServerCallContext context)
    {
        var response = await fetcher.FetchAsync(request, context.CancellationToken);
        metrics.StagedBytes.Inc(response.AlreadyPresent ? 0 : response.Size - response.ResumedFrom);
        return response;
    }
}
