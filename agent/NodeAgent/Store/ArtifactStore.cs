using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Operations;
using NodeAgent.Testing;
using NodeAgent.Validation;

namespace NodeAgent.Store;

/// <summary>
/// Content-addressed blobs under <c>blobs/sha256/&lt;hex&gt;</c>. Content is streamed into a temp file while it
/// is hashed; only a matching digest is renamed into place. No partial file survives a failure.
/// </summary>
internal sealed partial class ArtifactStore(AgentPaths paths, AgentOptions options, Failpoints failpoints, TimeProvider time, ILogger<ArtifactStore> logger)
{
    private readonly Lock _metaLock = new();

    public long MaxArtifactBytes => options.Store.MaxArtifactBytes;

    public string BlobPath(string digest) => Path.Combine(paths.Blobs, digest);

    public bool Contains(string digest) => File.Exists(BlobPath(digest));

    public long FreeBytes() => DurableFile.FreeBytes(paths.StateDir);

    /// <summary>Removes partial uploads a previous process left behind.</summary>
    public void CleanTemp()
    {
        if (new FileInfo(paths.Temp).LinkTarget is not null)
        {
            // A link planted in place of tmp/: remove the link itself, never what it points to.
            File.Delete(paths.Temp);
            Directory.CreateDirectory(paths.Temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        foreach (var file in Directory.EnumerateFiles(paths.Temp))
        {
            File.Delete(file);
        }
    }

    /// <summary>Validates a header; throws INVALID_ARGUMENT or RESOURCE_EXHAUSTED with what to fix.</summary>
    public void CheckHeader(StageHeader header)
    {
        if (InputRules.CheckArtifactName(header.Name) is { } nameProblem)
        {
            throw AgentException.Invalid("header.name", nameProblem);
        }

        if (InputRules.CheckDigest(header.Digest) is { } digestProblem)
        {
            throw AgentException.Invalid("header.sha256", digestProblem);
        }

        if (header.Size <= 0)
        {
            throw AgentException.Invalid("header.size", $"must be positive, not {header.Size}");
        }

        if (header.Size > MaxArtifactBytes)
        {
            throw new AgentException(AgentErrorKind.ResourceExhausted, $"header.size: {header.Size} bytes is over this agent's limit of {MaxArtifactBytes} bytes (Store:MaxArtifactBytes)");
        }
    }

    /// <summary>
    /// Stages content. When the digest is already stored, returns at once without reading the content.
    /// </summary>
    public async Task<StageResult> StageAsync(StageHeader header, IAsyncEnumerable<ReadOnlyMemory<byte>> content, CancellationToken cancellationToken)
    {
        CheckHeader(header);
        if (Contains(header.Digest))
        {
            AddName(header.Digest, header.Name);
            LogAlreadyPresent(header.Digest, header.Name);
            return new StageResult(header.Digest, new FileInfo(BlobPath(header.Digest)).Length, true, 0, 0);
        }

        EnsureSpaceFor(header.Size, "stage the artifact");
        var temp = Path.Combine(paths.Temp, $"{header.Digest}.{Guid.NewGuid():N}.partial");
        var received = 0L;
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1024 * 1024, useAsync: true))
            {
                await foreach (var chunk in content.WithCancellation(cancellationToken))
                {
                    received += chunk.Length;
                    if (received > header.Size)
                    {
                        throw AgentException.Invalid("chunk", $"the stream sent more than the {header.Size} bytes the header declared");
                    }

                    hash.AppendData(chunk.Span);
                    await output.WriteAsync(chunk, cancellationToken);
                    failpoints.Hit(Failpoints.StageMidStream);
                }

                if (received != header.Size)
                {
                    throw AgentException.Invalid("header.size", $"the header declared {header.Size} bytes but the stream ended after {received}");
                }

                output.Flush(flushToDisk: true);
            }

            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != header.Digest)
            {
                throw AgentException.Invalid("header.sha256", $"the content hashes to {actual}, not {header.Digest}; nothing was stored");
            }

            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            failpoints.Hit(Failpoints.StageBeforeRename);
            File.Move(temp, BlobPath(header.Digest), overwrite: true);
            DurableFile.SyncDirectory(paths.Blobs);
            AddName(header.Digest, header.Name);
            LogStaged(header.Digest, header.Name, received);
            return new StageResult(header.Digest, received, false, received, received);
        }
        catch (IOException ex) when (DurableFile.IsDiskFull(ex))
        {
            throw new AgentException(AgentErrorKind.ResourceExhausted, $"the state file system ({paths.StateDir}, {FreeBytes()} bytes free) filled up while staging {header.Name}; nothing was stored");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Throws RESOURCE_EXHAUSTED unless <paramref name="bytes"/> fit and Store:MinFreeBytes remain free.</summary>
    public void EnsureSpaceFor(long bytes, string purpose)
    {
        var free = FreeBytes();
        if (free - bytes < options.Store.MinFreeBytes)
        {
            throw new AgentException(
                AgentErrorKind.ResourceExhausted,
                $"not enough disk to {purpose}: {bytes} bytes needed, {free} free, and Store:MinFreeBytes ({options.Store.MinFreeBytes}) must stay free");
        }
    }

    /// <summary>
    /// Keeps a copy of an existing file in the store (a hard link where the file systems allow, a verified copy
    /// otherwise) and returns its digest. Used to keep the old files of a component before a swap.
    /// </summary>
    public async Task<string> AdoptAsync(string path, string expectedDigest, string name, AdoptMode mode, CancellationToken cancellationToken)
    {
        if (!Contains(expectedDigest))
        {
            var temp = Path.Combine(paths.Temp, $"{expectedDigest}.{Guid.NewGuid():N}.adopt");
            try
            {
                // A symlink would be linked as the link itself, whose target the swap is about to replace: copy its content.
                var linkable = mode == AdoptMode.LinkOrCopy && new FileInfo(path).LinkTarget is null;
                if (!(linkable && DurableFile.TryHardLink(path, temp)))
                {
                    EnsureSpaceFor(new FileInfo(path).Length, $"keep a copy of {path}");
                    await DurableFile.CopyDurableAsync(path, temp, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken);
                }

                var actual = await DurableFile.HashAsync(temp, cancellationToken);
                if (actual != expectedDigest)
                {
                    throw new AgentException(AgentErrorKind.Aborted, $"{path} changed while it was being backed up (now {actual}, was {expectedDigest}); retry");
                }

                File.Move(temp, BlobPath(expectedDigest), overwrite: true);
                DurableFile.SyncDirectory(paths.Blobs);
            }
            catch (IOException ex) when (DurableFile.IsDiskFull(ex))
            {
                throw new AgentException(AgentErrorKind.ResourceExhausted, $"the state file system is full ({FreeBytes()} bytes free): cannot keep a copy of {path} in {paths.Blobs}; nothing was changed");
            }
            finally
            {
                File.Delete(temp);
            }
        }

        AddName(expectedDigest, name);
        return expectedDigest;
    }

    /// <summary>Re-hashes a stored blob.</summary>
    public async Task<string> ComputeDigestAsync(string digest, CancellationToken cancellationToken)
    {
        if (!Contains(digest))
        {
            throw new AgentException(AgentErrorKind.NotFound, $"no blob {digest} in the store; stage it first");
        }

        return await DurableFile.HashAsync(BlobPath(digest), cancellationToken);
    }

    public IReadOnlyList<BlobInfo> List()
    {
        var blobs = new List<BlobInfo>();
        foreach (var file in Directory.EnumerateFiles(paths.Blobs).Order(StringComparer.Ordinal))
        {
            var digest = Path.GetFileName(file);
            var info = new FileInfo(file);
            var meta = ReadMeta(digest);
            blobs.Add(new BlobInfo(digest, info.Length, meta?.Names ?? [], meta?.StagedAt ?? new DateTimeOffset(info.LastWriteTimeUtc)));
        }

        return blobs;
    }

    public BlobInfo? Find(string digest) => Contains(digest) ? List().FirstOrDefault(b => b.Digest == digest) : null;

    public void Delete(string digest)
    {
        File.Delete(BlobPath(digest));
        File.Delete(MetaPath(digest));
        DurableFile.SyncDirectory(paths.Blobs);
    }

    private string MetaPath(string digest) => Path.Combine(paths.BlobMeta, digest + ".json");

    private BlobMetadata? ReadMeta(string digest)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(MetaPath(digest)), AgentJsonContext.Default.BlobMetadata);
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }

    private void AddName(string digest, string name)
    {
        lock (_metaLock)
        {
            var meta = ReadMeta(digest) ?? new BlobMetadata([], time.GetUtcNow());
            if (meta.Names.Contains(name))
            {
                return;
            }

            var updated = meta with { Names = [.. meta.Names, name] };
            DurableFile.WriteAtomic(MetaPath(digest), JsonSerializer.SerializeToUtf8Bytes(updated, AgentJsonContext.Default.BlobMetadata));
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Staged {Digest} as {ArtifactName}: {Bytes} bytes")]
    private partial void LogStaged(string digest, string artifactName, long bytes);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Blob {Digest} ({ArtifactName}) already present: nothing written")]
    private partial void LogAlreadyPresent(string digest, string artifactName);
}

/// <summary>How an existing file is kept in the store.</summary>
internal enum AdoptMode
{
    /// <summary>A hard link when the file systems allow (the swap replaces the target by rename right after), else a copy.</summary>
    LinkOrCopy,

    /// <summary>Always a copy: a backup must not change when the live file is edited in place.</summary>
    Copy,
}
