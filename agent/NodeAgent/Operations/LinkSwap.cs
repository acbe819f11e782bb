using NodeAgent.Files;
using NodeAgent.Native;

namespace NodeAgent.Operations;

/// <summary>
/// The file-system side of a link swap. The new place is built under a staging name (<c>PLACE.nodeagent-new</c>; for a
/// directory link, a mirror of the old directory: hard links, the same link strings, the same modes) and renamed into
/// place; a new link (<c>LINK.nodeagent-new</c>) is renamed over the old one, atomically; the old version's files and
/// directory are never written. Every method is idempotent, so recovery can run it again after kill -9.
/// </summary>
internal static class LinkSwap
{
    /// <summary>Where a catalog file's new content is written while the new place is staged.</summary>
    public static string StagingPathOf(LinkRecord link, string path) =>
        path == link.LinkPath ? Staging(link) : Path.Join(Staging(link), path[(link.LinkPath.Length + 1)..]);

    /// <summary>Starts the staged place: an empty parent for a file link, a mirror of the old directory without <paramref name="replaced"/> for a directory link.</summary>
    public static void StartPlace(LinkRecord link, IReadOnlyCollection<string> replaced)
    {
        DeleteTree(Staging(link));
        if (link.IsDirectory)
        {
            var skip = replaced.Select(p => StagingPathOf(link, p)).ToHashSet(StringComparer.Ordinal);
            Mirror(LinkPlanner.Resolve(link.LinkPath, link.OldTarget), Staging(link), skip);
        }
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(link.NewPlace)!);
        }
    }

    /// <summary>Renames the staged place to its final name and makes that durable.</summary>
    public static void CommitPlace(LinkRecord link)
    {
        if (Path.Exists(Staging(link)))
        {
            RenameOrThrow(Staging(link), link.NewPlace);
        }

        DurableFile.SyncDirectory(Path.GetDirectoryName(link.NewPlace)!);
    }

    /// <summary>Creates <c>LINK.nodeagent-new</c> pointing at <paramref name="target"/> (the exact string), ready to be renamed over the link.</summary>
    public static void StageLink(LinkRecord link, string target)
    {
        var staged = link.LinkPath + DurableFile.NewSuffix;
        File.Delete(staged);
        File.CreateSymbolicLink(staged, target);
    }

    /// <summary>Renames the staged link over the link (atomic: the path always names the old or the new target); false if nothing was staged.</summary>
    public static bool Replace(LinkRecord link)
    {
        var staged = link.LinkPath + DurableFile.NewSuffix;
        if (new FileInfo(staged).LinkTarget is null)
        {
            return false;
        }

        RenameOrThrow(staged, link.LinkPath);
        return true;
    }

    /// <summary>Removes what the operation built for the new version: the staged link, the staged place, and the place if it created it.</summary>
    public static void Discard(LinkRecord link)
    {
        var staged = link.LinkPath + DurableFile.NewSuffix;
        if (new FileInfo(staged).LinkTarget is not null)
        {
            File.Delete(staged);
        }

        DeleteTree(Staging(link));
        if (link.CreatedPlace)
        {
            DeleteTree(link.NewPlace);
            var parent = Path.GetDirectoryName(link.NewPlace)!;
            if (!link.IsDirectory && Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any())
            {
                Directory.Delete(parent);
            }
        }
    }

    private static string Staging(LinkRecord link) => link.NewPlace + DurableFile.NewSuffix;

    private static void Mirror(string from, string to, HashSet<string> skip)
    {
        Directory.CreateDirectory(to, File.GetUnixFileMode(from));
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Join(to, entry.Name);
            if (skip.Contains(target))
            {
                continue;
            }

            if (entry.LinkTarget is { } linkTarget)
            {
                File.CreateSymbolicLink(target, linkTarget);
            }
            else if (entry is DirectoryInfo)
            {
                Mirror(entry.FullName, target, skip);
            }
            else if (Libc.Link(entry.FullName, target) != 0)
            {
                File.Copy(entry.FullName, target);
                File.SetUnixFileMode(target, File.GetUnixFileMode(entry.FullName));
            }
        }

        DurableFile.SyncDirectory(to);
    }

    private static void DeleteTree(string path)
    {
        if (new FileInfo(path).LinkTarget is not null || File.Exists(path))
        {
            File.Delete(path);
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    private static void RenameOrThrow(string from, string to)
    {
        if (Libc.Rename(from, to) != 0)
        {
            throw new IOException($"rename {from} -> {to} failed: {Libc.LastError()}");
        }
    }
}
