namespace NodeAgent.Operations;

/// <summary>
/// A symlink of the operator's install layout that a swap replaces by renaming a new link over it, instead of writing
/// through it: the catalog path itself (a file link) or a versioned directory on its way (a directory link). Every
/// field can be checked again against the catalog and the file system (<see cref="LinkPlanner.Check"/>):
/// <see cref="LinkPath"/> is a catalog path or an ancestor of one, and <see cref="NewPlace"/> is where
/// <see cref="NewTarget"/> resolves from the link's directory.
/// </summary>
internal sealed record LinkRecord
{
    public string LinkPath { get; init; } = "";

    /// <summary>True for a link to a directory holding the component's files, false for a link to the file itself.</summary>
    public bool IsDirectory { get; init; }

    /// <summary>The link's target string before the operation, exactly as readlink returned it (relative or absolute).</summary>
    public string OldTarget { get; init; } = "";

    /// <summary>The target string the operation puts in place, in the same style as the old one.</summary>
    public string NewTarget { get; init; } = "";

    /// <summary>Absolute path of the file or directory that <see cref="NewTarget"/> names: where the new version goes.</summary>
    public string NewPlace { get; init; } = "";

    /// <summary>The operation creates <see cref="NewPlace"/>, so undoing it removes it; false when it already held the content.</summary>
    public bool CreatedPlace { get; init; }

    /// <summary>True when <paramref name="path"/> (a catalog path) is this link or lies below it.</summary>
    public bool Covers(string path) => path == LinkPath || path.StartsWith(LinkPath + "/", StringComparison.Ordinal);

    /// <summary>Where the new content of catalog path <paramref name="path"/> is written: inside the new place, never through the old link.</summary>
    public string PlaceOf(string path) => path == LinkPath ? NewPlace : Path.Join(NewPlace, path[(LinkPath.Length + 1)..]);
}
