namespace NodeAgent.Operations;

/// <summary>What the marker looked like before an operation wrote it, so that an undo can put it back.</summary>
internal sealed record MarkerRecord
{
    public bool Write { get; init; }

    public string? OldVersion { get; init; }

    public bool PreviouslyPresent { get; init; }

    public string? PreviousContentBase64 { get; init; }
}
