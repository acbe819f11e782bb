namespace NodeAgent.Coordinator.Distribution;

/// <summary>Where one node fetches from: the origin (<see cref="Holder"/> null) or a node that holds the blob or a verified prefix of it.</summary>
internal sealed record SourcePick(string? Holder)
{
    public static SourcePick Origin { get; } = new((string?)null);

    public bool IsOrigin => Holder is null;

    public override string ToString() => Holder ?? "origin";
}
