namespace NodeAgent.Distribution;

/// <summary>Somewhere a blob's bytes come from: the origin over HTTP(S) or a peer agent's ReadArtifact.</summary>
internal interface IBlobSource
{
    /// <summary>The URL or peer address, as the caller gave it.</summary>
    string Label { get; }

    /// <summary>The blob's bytes from <paramref name="offset"/> on, in pieces of any size, in order.</summary>
    IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(long offset, CancellationToken cancellationToken);
}
