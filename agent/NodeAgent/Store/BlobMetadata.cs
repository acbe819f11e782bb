namespace NodeAgent.Store;

/// <summary>What the store remembers about a blob besides its content.</summary>
internal sealed record BlobMetadata(IReadOnlyList<string> Names, DateTimeOffset StagedAt);

/// <summary>A blob as listed.</summary>
internal sealed record BlobInfo(string Digest, long Size, IReadOnlyList<string> Names, DateTimeOffset StagedAt);

/// <summary>Outcome of a stage call.</summary>
internal sealed record StageResult(string Digest, long Size, bool AlreadyPresent, long BytesReceived, long BytesWritten);

/// <summary>What the caller declares before sending content.</summary>
internal sealed record StageHeader(string Name, string Digest, long Size);
