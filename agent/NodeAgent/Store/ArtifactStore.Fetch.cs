using NodeAgent.Files;

namespace NodeAgent.Store;

/// <summary>The store's side of pull staging (Distribution/ArtifactFetcher): where a fetch writes, and taking in its verified file.</summary>
internal sealed partial class ArtifactStore
{
    /// <summary>The temp file a fetch of <paramref name="digest"/> writes (one fetch per digest at a time; removed at start-up).</summary>
    public string FetchTempPath(string digest) => Path.Combine(paths.Temp, $"{digest}.fetch.partial");

    /// <summary>Moves a fetched file whose whole digest the fetcher checked into the store under its name.</summary>
    public void AdoptFetched(string verifiedFile, StageHeader header)
    {
        File.SetUnixFileMode(verifiedFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(verifiedFile, BlobPath(header.Digest), overwrite: true);
        DurableFile.SyncDirectory(paths.Blobs);
        AddName(header.Digest, header.Name);
        LogStaged(header.Digest, header.Name, header.Size);
    }

    /// <summary>Records one more name of a blob that was already stored.</summary>
    public void AddFetchedName(StageHeader header)
    {
        AddName(header.Digest, header.Name);
        LogAlreadyPresent(header.Digest, header.Name);
    }
}
