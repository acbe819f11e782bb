using System.Security.Cryptography;
using Grpc.Core;
using NodeAgent.Contracts.V1;

namespace FootprintFloor;

/// <summary>The two calls the benchmark makes, with no more work than the wire needs: a fixed answer, and a blob hashed and written to a file.</summary>
internal sealed class FloorService(FloorStore store) : NodeAgentService.NodeAgentServiceBase
{
    public override Task<GetInfoResponse> GetInfo(GetInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new GetInfoResponse { NodeName = "floor", AgentVersion = "0.0.0", ServiceManager = "none" });

    public override async Task<StageArtifactResponse> StageArtifact(IAsyncStreamReader<StageArtifactRequest> requestStream, ServerCallContext context)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var path = Path.Combine(store.Directory, "blob");
        long size = 0;
        await using (var file = File.Create(path))
        {
            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
            {
                if (message.PayloadCase == StageArtifactRequest.PayloadOneofCase.Chunk)
                {
                    hash.AppendData(message.Chunk.Span);
                    await file.WriteAsync(message.Chunk.Memory, context.CancellationToken);
                    size += message.Chunk.Length;
                }
            }
        }

        return new StageArtifactResponse { Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset()), Size = size, BytesReceived = size, BytesWritten = size };
    }
}
