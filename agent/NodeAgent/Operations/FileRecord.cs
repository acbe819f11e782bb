namespace NodeAgent.Operations;

/// <summary>One file of a swap: which catalog role, what was there, what goes there. Path and mode are the catalog's (checked at load).</summary>
internal sealed record FileRecord
{
    public string Role { get; init; } = "";

    public string Path { get; init; } = "";

    /// <summary>Digest before the swap; null when the file did not exist.</summary>
    public string? OldDigest { get; init; }

    /// <summary>Digest after the swap; null when the swap removes the file.</summary>
    public string? NewDigest { get; init; }

    public int Mode { get; init; }

    public bool IsUnit { get; init; }
}
