using Grpc.Core;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Operations;
using NodeAgent.Store;
using V1 = NodeAgent.Contracts.V1;

namespace NodeAgent.Distribution;

/// <summary>
/// FetchArtifact: pulls a blob from its sources in order into a temp file, chunk by verified chunk, under the agent's
/// fetch bandwidth limit. A source that fails is left for the next at the verified offset; one that serves a chunk
/// not in the chunk list is reported as lying and its chunk discarded. The whole blob must match sha256 to be stored.
/// </summary>
internal sealed partial class ArtifactFetcher(ArtifactStore store, FetchRegistry registry, FetchSources sourceFactory, AgentOptions options, TimeProvider time, ILogger<ArtifactFetcher> logger)
{
    private readonly BandwidthLimiter _limiter = new(options.Distribution.MaxFetchBytesPerSecond, time);

    public async Task<V1.FetchArtifactResponse> FetchAsync(V1.FetchArtifactRequest request, CancellationToken cancellationToken)
    {
        var header = new StageHeader(request.Name, request.Sha256, request.Size);
        store.CheckHeader(header);
        var chunks = ChunkList.Parse(request.Size, request.ChunkSize, request.ChunkSha256);
        var sources = sourceFactory.Build(request.Sources, header.Digest);
        var started = time.GetTimestamp();
        var response = new V1.FetchArtifactResponse { Sha256 = header.Digest, Size = header.Size };
        var partial = await StartAsync(header, chunks, cancellationToken);
        if (partial is null)
        {
            store.AddFetchedName(header);
            response.AlreadyPresent = true;
            response.Complete = true;
            response.Verified = header.Size;
            return response;
        }

        var committed = false;
        try
        {
            response.ResumedFrom = partial.Verified;
            store.EnsureSpaceFor(header.Size - partial.Verified, "fetch the artifact");
            response.Complete = await PullAllAsync(partial, sources, response, cancellationToken);
            response.Verified = partial.Verified;
            response.Seconds = time.GetElapsedTime(started).TotalSeconds;
            if (!response.Complete)
            {
                return response;
            }

            var actual = Convert.ToHexStringLower(partial.WholeHash.GetHashAndReset());
            if (actual != header.Digest)
            {
                Discard(partial);
                throw AgentException.Invalid("chunk_sha256", $"every chunk matched the chunk list, but the blob hashes to {actual}, not {header.Digest}: the chunk list is not the plan's; nothing was stored");
            }

            store.AdoptFetched(partial.Path, header);
            partial.Stop(store.BlobPath(header.Digest));
            registry.Remove(partial);
            committed = true;
        }
        finally
        {
            if (!committed)
            {
                partial.Stop(null);
            }
        }

        return response;
    }

    /// <summary>The partial this call fetches into, or null when the blob is (or became) stored.</summary>
    private async Task<PartialBlob?> StartAsync(StageHeader header, ChunkList chunks, CancellationToken cancellationToken)
    {
        while (!store.Contains(header.Digest))
        {
            var partial = registry.GetOrAdd(header.Digest, () => new PartialBlob(header.Digest, header.Name, chunks, store.FetchTempPath(header.Digest)));
            if (partial.TryStart())
            {
                if (partial.Chunks.ChunkSize == chunks.ChunkSize && partial.Chunks.Size == chunks.Size)
                {
                    return partial;
                }

                // A prefix verified against another chunk list: start over with this one.
                partial.Stop(null);
                Discard(partial);
                continue;
            }

            // Another call is fetching this digest: join it, then take over if it stopped short.
            await partial.Finished.WaitAsync(cancellationToken);
        }

        return null;
    }

    /// <summary>False when no source served the rest (the prefix stays for a resumption).</summary>
    private async Task<bool> PullAllAsync(PartialBlob partial, IReadOnlyList<IBlobSource> sources, V1.FetchArtifactResponse response, CancellationToken cancellationToken)
    {
        var buffer = new byte[partial.Chunks.ChunkSize];
        await using (var file = Files.NoFollow.OpenOrCreate(partial.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite))
        {
            file.SetLength(partial.Verified);
            foreach (var source in sources)
            {
                var report = new V1.FetchSourceReport { Source = source.Label, StartedAt = partial.Verified, Outcome = V1.FetchSourceOutcome.NotTried };
                response.Sources.Add(report);
                if (partial.Verified == partial.Chunks.Size)
                {
                    continue;
                }

                try
                {
                    await PullAsync(source, partial, file, buffer, response, cancellationToken);
                    report.Outcome = V1.FetchSourceOutcome.Ok;
                }
                catch (FetchSourceException ex)
                {
                    Record(report, partial, ex.Lied ? V1.FetchSourceOutcome.Lied : V1.FetchSourceOutcome.Failed, ex.Message);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is IOException or HttpRequestException or RpcException or OperationCanceledException)
                {
                    var idle = ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled };
                    Record(report, partial, V1.FetchSourceOutcome.Failed, idle ? $"sent nothing for {options.Distribution.SourceIdleSeconds} s" : ex.Message);
                }

                report.Bytes = partial.Verified - report.StartedAt;
            }

            if (partial.Verified < partial.Chunks.Size)
            {
                LogIncomplete(partial.Name, partial.Verified, partial.Chunks.Size);
                return false;
            }

            file.Flush(flushToDisk: true);
            return true;
        }
    }

    private async Task PullAsync(IBlobSource source, PartialBlob partial, FileStream file, byte[] buffer, V1.FetchArtifactResponse response, CancellationToken cancellationToken)
    {
        var chunks = partial.Chunks;
        var idleLimit = TimeSpan.FromSeconds(options.Distribution.SourceIdleSeconds);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(idleLimit);
        var index = (int)(partial.Verified / chunks.ChunkSize);
        var filled = 0;
        await foreach (var piece in source.ReadAsync(partial.Verified, idle.Token))
        {
            response.BytesReceived += piece.Length;
            await _limiter.TakeAsync(piece.Length, cancellationToken);
            idle.CancelAfter(idleLimit);
            var rest = piece;
            while (rest.Length > 0)
            {
                if (index >= chunks.Count)
                {
                    throw new FetchSourceException($"sent more than the blob's {chunks.Size} bytes", lied: true);
                }

                var length = chunks.LengthOf(index);
                var take = Math.Min(length - filled, rest.Length);
                rest[..take].CopyTo(buffer.AsMemory(filled));
                filled += take;
                rest = rest[take..];
                if (filled == length)
                {
                    await KeepAsync(partial, file, buffer, index, length, cancellationToken);
                    index++;
                    filled = 0;
                }
            }
        }

        if (partial.Verified < chunks.Size)
        {
            throw new FetchSourceException($"the stream ended at offset {partial.Verified + filled} of {chunks.Size}", lied: false);
        }
    }

    private static async Task KeepAsync(PartialBlob partial, FileStream file, byte[] buffer, int index, int length, CancellationToken cancellationToken)
    {
        var offset = (long)index * partial.Chunks.ChunkSize;
        if (!partial.Chunks.Matches(index, buffer.AsSpan(0, length)))
        {
            throw new FetchSourceException($"chunk {index} (bytes {offset} to {offset + length}) does not match the chunk list; it was discarded", lied: true);
        }

        file.Position = offset;
        await file.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
        partial.WholeHash.AppendData(buffer, 0, length);
        partial.Advance(offset + length);
    }

    private void Record(V1.FetchSourceReport report, PartialBlob partial, V1.FetchSourceOutcome outcome, string message)
    {
        report.Outcome = outcome;
        report.Message = Validation.InputRules.Escape(message, 512);
        if (outcome == V1.FetchSourceOutcome.Lied)
        {
            LogLied(report.Source, partial.Name, partial.Digest, report.Message);
        }
        else
        {
            LogFailed(report.Source, partial.Name, partial.Verified, report.Message);
        }
    }

    private void Discard(PartialBlob partial)
    {
        registry.Remove(partial);
        File.Delete(partial.Path);
        partial.Dispose();
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Source {Source} lied about {ArtifactName} ({Digest}): {Problem}; routed around")]
    private partial void LogLied(string source, string artifactName, string digest, string problem);

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Source {Source} failed while serving {ArtifactName}; resuming from offset {Offset} with the next source: {Problem}")]
    private partial void LogFailed(string source, string artifactName, long offset, string problem);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "No source served the rest of {ArtifactName}: {Verified} of {Size} bytes verified, kept for a resumption")]
    private partial void LogIncomplete(string artifactName, long verified, long size);
}
