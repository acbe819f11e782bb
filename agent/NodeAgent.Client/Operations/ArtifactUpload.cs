using Google.Protobuf;
using Grpc.Core;
using NodeAgent.Client.Shapes;
using NodeAgent.Contracts.V1;

namespace NodeAgent.Client.Operations;

/// <summary>
/// The one upload of an artifact to an agent's store: the header, then the content in chunks (none when
/// the content is null: the agent already has it). The agent keeps the bytes only if the digest matches.
/// </summary>
public static class ArtifactUpload
{
    public static async Task<StageArtifactResponse> UploadAsync(
        NodeAgentService.NodeAgentServiceClient client,
        ArtifactHeader header,
        Func<CancellationToken, Task<Stream>>? content,
        DateTime? deadline,
        CancellationToken cancellationToken)
    {
        using var call = client.StageArtifact(deadline: deadline, cancellationToken: cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new StageArtifactRequest { Header = header }, cancellationToken);
            if (content is not null)
            {
                await using var input = await content(cancellationToken);
                var buffer = new byte[AgentLimits.ChunkSize];
                int read;
                while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await call.RequestStream.WriteAsync(new StageArtifactRequest { Chunk = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken);
                }
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // The agent answered before reading everything (refused, already present, disk full): its answer says why.
        }

        return await call.ResponseAsync;
    }
}
