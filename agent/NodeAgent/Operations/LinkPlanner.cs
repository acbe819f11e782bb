using System.Text.RegularExpressions;
using NodeAgent.Configuration;
using NodeAgent.Files;

namespace NodeAgent.Operations;

/// <summary>
/// Finds the symlinks of the operator's layout on a component's catalog paths and plans how an apply keeps them:
/// the new version goes beside the old versioned target (its version in the target string replaced by the new one,
/// or "-VERSION" appended when the target names no version) and a new link is renamed over the old one. A link to a
/// directory counts only when its target names a version (a link such as /bin -> usr/bin is walked through as
/// before). Anything it cannot do safely is refused here, before a file moves, naming the path and the reason.
/// </summary>
internal static class LinkPlanner
{
    public static async Task<List<LinkRecord>> PlanAsync(ComponentCatalog catalog, CatalogComponent component, IEnumerable<FileRecord> files, string? fromVersion, string toVersion, CancellationToken cancellationToken)
    {
        var links = new List<LinkRecord>();
        foreach (var file in files)
        {
            if (FindLayoutLink(component, file.Path) is not { } linkPath || links.Any(l => l.LinkPath == linkPath))
            {
                continue;
            }

            var link = await PlanLinkAsync(component, linkPath, file, fromVersion, toVersion, cancellationToken);
            if (link.IsDirectory)
            {
                CheckNotShared(catalog, component, link);
            }

            links.Add(link);
        }

        return links;
    }

    /// <summary>A journaled link that does not fit the catalog (recovery checks before acting on it), or null.</summary>
    public static string? Check(LinkRecord link, CatalogComponent component)
    {
        if (!component.Files.Any(f => link.Covers(f.Path)))
        {
            return $"link {link.LinkPath} is neither a catalog path of {component.Name} nor a directory above one";
        }

        return Resolve(link.LinkPath, link.NewTarget) == link.NewPlace ? null : $"link {link.LinkPath}: {link.NewTarget} does not name {link.NewPlace}";
    }

    /// <summary>The absolute path a link's target string names, resolved from the link's directory.</summary>
    public static string Resolve(string linkPath, string target) => Path.GetFullPath(target, Path.GetDirectoryName(linkPath)!);

    /// <summary>The one link on <paramref name="path"/> that belongs to the layout: the path itself, or a directory link naming a version.</summary>
    private static string? FindLayoutLink(CatalogComponent component, string path)
    {
        var found = new List<string>();
        for (var prefix = path; prefix is not null && prefix != "/"; prefix = Path.GetDirectoryName(prefix))
        {
            if (new FileInfo(prefix).LinkTarget is { } target && (prefix == path || component.VersionPattern.IsMatch(target)))
            {
                found.Add(prefix);
            }
        }

        return found.Count switch
        {
            0 => null,
            1 => found[0],
            _ => throw Refuse(path, $"it passes through {found.Count} versioned links ({string.Join(", ", found)}); only one link per path can be swapped safely"),
        };
    }

    private static async Task<LinkRecord> PlanLinkAsync(CatalogComponent component, string linkPath, FileRecord file, string? fromVersion, string toVersion, CancellationToken cancellationToken)
    {
        var isDirectory = linkPath != file.Path;
        var oldTarget = new FileInfo(linkPath).LinkTarget!;
        var oldPlace = Resolve(linkPath, oldTarget);
        if (isDirectory ? !Directory.Exists(oldPlace) : !File.Exists(oldPlace))
        {
            throw Refuse(linkPath, $"it points at {oldTarget}, which is not an existing {(isDirectory ? "directory" : "file")}");
        }

        if (new FileInfo(oldPlace).LinkTarget is not null)
        {
            throw Refuse(linkPath, $"it points at {oldTarget}, which is itself a link; point it at the real {(isDirectory ? "directory" : "file")}");
        }

        var newTarget = Retarget(component.VersionPattern, linkPath, oldTarget, fromVersion, toVersion, isDirectory);
        var newPlace = Resolve(linkPath, newTarget);
        if (newPlace == oldPlace)
        {
            throw Refuse(linkPath, $"the new version's place {newPlace} is the running version's own; apply a target version other than the running one");
        }

        var link = new LinkRecord { LinkPath = linkPath, IsDirectory = isDirectory, OldTarget = oldTarget, NewTarget = newTarget, NewPlace = newPlace, CreatedPlace = !Path.Exists(newPlace) };
        if (!link.CreatedPlace)
        {
            if (isDirectory || file.NewDigest is null || await DurableFile.HashAsync(newPlace, cancellationToken) != file.NewDigest)
            {
                throw Refuse(linkPath, $"{newPlace} already exists{(isDirectory ? "" : " with other content")}; remove it, or point the link at it yourself");
            }
        }

        return link;
    }

    /// <summary>The old target string with its version replaced by the new one, in the same style (relative or absolute, with or without "v").</summary>
    private static string Retarget(Regex versionPattern, string linkPath, string oldTarget, string? fromVersion, string toVersion, bool isDirectory)
    {
        var segments = oldTarget.Split('/');
        for (var i = segments.Length - 1; i >= 0; i--)
        {
            if (versionPattern.Match(segments[i]) is not { Success: true } match)
            {
                continue;
            }

            if (fromVersion is null || !Health.ComponentProber.SameVersion(match.Value, fromVersion))
            {
                throw Refuse(linkPath, $"it points at {oldTarget}, which names version {match.Value}, but the component reports {fromVersion ?? "no version"}; cannot tell where the new version belongs");
            }

            var replacement = match.Value.StartsWith('v') ? "v" + toVersion.TrimStart('v') : toVersion.TrimStart('v');
            segments[i] = string.Concat(segments[i].AsSpan(0, match.Index), replacement, segments[i].AsSpan(match.Index + match.Length));
            return string.Join('/', segments);
        }

        return isDirectory ? throw Refuse(linkPath, "it names no version") : $"{oldTarget}-{toVersion}";
    }

    /// <summary>Switching a directory link switches everything below it: nothing of another component, and no marker, may be there.</summary>
    private static void CheckNotShared(ComponentCatalog catalog, CatalogComponent component, LinkRecord link)
    {
        foreach (var other in catalog.Components)
        {
            var paths = other.Files.Select(f => f.Path).Concat(other.Marker is { } m ? [m.Path] : []);
            var shared = paths.Where(p => other.Name != component.Name || p == other.Marker?.Path).FirstOrDefault(link.Covers);
            if (shared is not null)
            {
                throw Refuse(link.LinkPath, $"{shared} ({(other.Name == component.Name ? "the marker" : other.Name)}) is below it too, and switching the link would switch it as well; give each component its own linked directory, or use file links");
            }
        }
    }

    private static AgentException Refuse(string path, string reason) =>
        new(AgentErrorKind.FailedPrecondition, $"cannot keep the link layout at {path}: {reason}; nothing was changed");
}
