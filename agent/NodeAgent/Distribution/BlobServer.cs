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
    public const int MaxWaitSeconds = 60;
    private readonly BandwidthLimiter _limiter = new(options.Distribution.MaxServeBytesPerSecond, time);

    public async Task ServeAsync(V1.ReadArtifactRequest request, IServerStreamWriter<V1.ReadArtifactResponse> output, CancellationToken cancellationToken)
    {
        if (Validation.InputRules.CheckDigest(request.Sha256) is { } problem)
        {
            throw AgentException.Invalid("sha256", problem);
        }

        if (request.WaitSeconds is < 0 or > MaxWaitSeconds)
        {
            throw AgentException.Invalid("wait_seconds", $"must be from 0 to {MaxWaitSeconds}, not {request.WaitSeconds}");
        }

        // A peer may be sent here just before this agent starts its own fetch: it may wait a while for it to appear.
        var grace = TimeSpan.FromSeconds(options.Distribution.SourceIdleSeconds);
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(request.WaitSeconds);
        while (true)
        {
            var added = registry.NextAdded();
            if (registry.TryGet(request.Sha256, out var partial) && Open(partial.Path) is { } growing)
            {
                await using (growing)
                {
                    await SendAsync(growing, partial, request.Offset, output, grace, cancellationToken);
                }

                return;
            }

            if (Open(store.BlobPath(request.Sha256)) is { } stored)
            {
                await using (stored)
                {
                    await SendAsync(stored, null, request.Offset, output, grace, cancellationToken);
                }

                return;
            }

            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero || !await Arrives(added, left, cancellationToken))
            {
                throw new AgentException(AgentErrorKind.NotFound, $"no blob {request.Sha256} in this agent's store{(request.WaitSeconds > 0 ? $", and no fetch of it started within {request.WaitSeconds} s" : "")}");
            }
        }
    }

    private async Task<bool> Arrives(Task change, TimeSpan within, CancellationToken cancellationToken)
    {
        try
        {
            await change.WaitAsync(within, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
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
    private async Task SendAsync(FileStream stream, PartialBlob? partial, long offset, IServerStreamWriter<V1.ReadArtifactResponse> output, TimeSpan grace, CancellationToken cancellationToken)
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
            var change = partial?.NextChange();
            var available = partial is null || partial.Committed ? size : partial.Verified;
            if (position >= available)
            {
                if (!await Arrives(change!, grace, cancellationToken))
                {
                    throw new AgentException(AgentErrorKind.Unavailable, $"this agent has verified {partial!.Verified} bytes of the blob and got no more for {grace.TotalSeconds} s; ask another source");
                }

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
