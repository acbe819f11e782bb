using Google.Protobuf;
using Grpc.Core;
using NodeAgent.Configuration;
using NodeAgent.Operations;
using NodeAgent.Store;
using V1 = NodeAgent.Contracts.V1;

namespace NodeAgent.Distribution;

/// <summary>
/// ReadArtifact: serves a stored blob, or the verified prefix of one being fetched (pipelined distribution: a node
/// serves each chunk onward as soon as it has checked it), under the agent's serve bandwidth limit.
/// </summary>
internal sealed class BlobServer(ArtifactStore store, FetchRegistry registry, AgentOptions options, TimeProvider time)
{
    public const int ChunkSize = 1024 * 1024;
    private readonly BandwidthLimiter _limiter = new(options.Distribution.MaxServeBytesPerSecond, time);

    public async Task ServeAsync(V1.ReadArtifactRequest request, IServerStreamWriter<V1.ReadArtifactResponse> output, CancellationToken cancellationToken)
    {
        if (Validation.InputRules.CheckDigest(request.Sha256) is { } problem)
        {
            throw AgentException.Invalid("sha256", problem);
        }

        if (registry.TryGet(request.Sha256, out var partial) && Open(partial.Path) is { } growing)
        {
            await using (growing)
            {
                await SendAsync(growing, partial, request.Offset, output, cancellationToken);
            }

            return;
        }

        await using var stream = Open(store.BlobPath(request.Sha256))
            ?? throw new AgentException(AgentErrorKind.NotFound, $"no blob {request.Sha256} in this agent's store");
        await SendAsync(stream, null, request.Offset, output, cancellationToken);
    }

    private static FileStream? Open(string path)
    {
        try
        {
            return Files.NoFollow.OpenRead(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Sends from <paramref name="offset"/> to the end; of a partial, only verified bytes, waiting for more.</summary>
    private async Task SendAsync(FileStream stream, PartialBlob? partial, long offset, IServerStreamWriter<V1.ReadArtifactResponse> output, CancellationToken cancellationToken)
    {
        var size = partial?.Chunks.Size ?? stream.Length;
        if (offset < 0 || offset > size)
        {
            throw AgentException.Invalid("offset", $"must be between 0 and the blob's size {size}, not {offset}");
        }

        var buffer = new byte[ChunkSize];
        var position = offset;
        while (position < size)
        {
            var available = partial is null || partial.Committed ? size : partial.Verified;
            if (position >= available)
            {
                if (!partial!.Active)
                {
                    throw new AgentException(AgentErrorKind.Unavailable, $"this agent's own fetch of the blob stopped at offset {partial.Verified}; ask another source");
                }

                await partial.WaitBeyondAsync(position, cancellationToken);
                continue;
            }

            var read = await RandomAccess.ReadAsync(stream.SafeFileHandle, buffer.AsMemory(0, (int)Math.Min(ChunkSize, available - position)), position, cancellationToken);
            if (read == 0)
            {
                throw new AgentException(AgentErrorKind.Unavailable, $"the blob ended at offset {position} of {size}");
            }

            await _limiter.TakeAsync(read, cancellationToken);
            await output.WriteAsync(new V1.ReadArtifactResponse { Chunk = ByteString.CopyFrom(buffer, 0, read), Offset = position, TotalSize = size }, cancellationToken);
            position += read;
        }
    }
}
