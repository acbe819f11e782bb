using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Distribution;
using NodeAgent.Coordinator.Plans;

using SimFleet.Distribution;

namespace NodeAgent.Tests.Distribution;

/// <summary>FetchArtifact requests as the coordinator builds them: the chunk list computed from the origin's file.</summary>
internal static class FetchRequests
{
    public static async Task<ChunkDigests> ChunksAsync(PlanArtifact artifact)
    {
        await using var content = File.OpenRead(artifact.Source);
        return await ChunkDigests.ComputeAsync(content, artifact.Size, artifact.Sha256, CancellationToken.None);
    }

    public static async Task<FetchArtifactRequest> ForAsync(PlanArtifact artifact, params FetchSource[] sources)
    {
        return ArtifactPull.RequestFor(artifact, await ChunksAsync(artifact), sources);
    }

    public static FetchSource Url(DistributionFleet fleet, PlanArtifact artifact) => new() { Url = fleet.Origin.BaseUrl + artifact.Name };

    public static FetchSource Peer(DistributionFleet fleet, string node) => new() { Peer = fleet.Node(node).Address, PeerName = node };
}
