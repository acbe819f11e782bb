using System.Runtime.CompilerServices;
using Grpc.Core;
using NodeAgent.Contracts.V1;

namespace NodeAgent.Distribution;

/// <summary>A peer agent: its ReadArtifact from an offset, over mutual TLS with this agent's peer certificate.</summary>
internal sealed class PeerSource(NodeAgentService.NodeAgentServiceClient client, string address, string digest, int waitSeconds) : IBlobSource
{
    public string Label => address;

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(long offset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = client.ReadArtifact(new ReadArtifactRequest { Sha256 = digest, Offset = offset, WaitSeconds = waitSeconds }, cancellationToken: cancellationToken);
        var expected = offset;
        while (await Next(call.ResponseStream, cancellationToken))
        {
            var message = call.ResponseStream.Current;
            if (message.Offset != expected)
            {
                throw new FetchSourceException($"the peer sent offset {message.Offset} where {expected} was due", lied: true);
            }

            expected += message.Chunk.Length;
            yield return message.Chunk.Memory;
        }
    }

    private static async Task<bool> Next(IAsyncStreamReader<ReadArtifactResponse> stream, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.MoveNext(cancellationToken);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FetchSourceException($"the peer answered {ex.StatusCode}: {ex.Status.Detail}", lied: false);
        }
    }
}
