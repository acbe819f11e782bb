using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Health;
using NodeAgent.Native;
using NodeAgent.Services;
using NodeAgent.Store;

namespace NodeAgent.Operations;

/// <summary>
/// What an apply or rollback must find true before a file moves: the unit can be restarted, the link layout can be
/// kept, and the disk has room beside the targets and in the store for the old files. Run once when the request
/// comes in (a refusal is the call's status: FAILED_PRECONDITION or RESOURCE_EXHAUSTED, and no operation exists)
/// and again when the operation prepares (a refusal then ends it failed, nothing changed).
/// </summary>
internal sealed class ApplyPreflight(IServiceManager services, ArtifactStore store, AgentPaths paths, ComponentCatalog catalog, ComponentProber prober)
{
    /// <summary>A marker is a few hundred bytes; a file system with less than this free is treated as full.</summary>
    private const long MarkerRoom = 64 * 1024;

    /// <summary>Checks <paramref name="files"/> (those the operation will change) and returns the links the swap must replace.</summary>
    public async Task<IReadOnlyList<LinkRecord>> CheckAsync(OperationRecord op, CatalogComponent component, IReadOnlyList<FileRecord> files, CancellationToken cancellationToken)
    {
        if (await services.CheckRestartableAsync(component.Unit, cancellationToken) is { } problem)
        {
            throw new AgentException(AgentErrorKind.FailedPrecondition, $"{component.Name} cannot be restarted: {problem}; nothing was changed");
        }

        var links = op.Kind == OpKind.Rollback
            ? CheckLinksUnchanged(op.Links)
            : await LinkPlanner.PlanAsync(catalog, component, files, await prober.ReadVersionAsync(component, cancellationToken), op.ToVersion!, cancellationToken);
        EnsureSpaceBesideTargets(files, links);
        EnsureSpaceForMarker(op, component);
        await EnsureSpaceForOldFilesAsync(files, cancellationToken);
        return links;
    }

    private static void EnsureSpaceForMarker(OperationRecord op, CatalogComponent component)
    {
        if (op.Marker is { Write: true } && component.Marker is { } marker)
        {
            var directory = ExistingAncestor(Path.GetDirectoryName(marker.Path)!);
            var free = DurableFile.FreeBytes(directory);
            if (free < MarkerRoom)
            {
                throw new AgentException(AgentErrorKind.ResourceExhausted, $"not enough disk for the marker {marker.Path}: {free} bytes free in {directory}, {MarkerRoom} wanted; nothing was changed");
            }
        }
    }

    /// <summary>A rollback swaps its links back only if they still point where the apply left them.</summary>
    private static IReadOnlyList<LinkRecord> CheckLinksUnchanged(IReadOnlyList<LinkRecord> links)
    {
        foreach (var link in links.Where(l => new FileInfo(l.LinkPath).LinkTarget != l.OldTarget))
        {
            throw new AgentException(AgentErrorKind.FailedPrecondition, $"{link.LinkPath} no longer points at {link.OldTarget} (now {new FileInfo(link.LinkPath).LinkTarget ?? "not a link"}); it was changed after the apply, so the rollback would not restore what you expect; nothing was changed");
        }

        return links;
    }

    private void EnsureSpaceBesideTargets(IEnumerable<FileRecord> files, IReadOnlyList<LinkRecord> links)
    {
        var writes = files.Where(f => f.NewDigest is not null)
            .Select(f => (File: f, Path: links.FirstOrDefault(l => l.Covers(f.Path)) is { } link ? link.PlaceOf(f.Path) : f.Path));
        foreach (var group in writes.GroupBy(w => ExistingAncestor(Path.GetDirectoryName(w.Path)!)))
        {
            var needed = group.Sum(w => new FileInfo(store.BlobPath(w.File.NewDigest!)).Length);
            var free = DurableFile.FreeBytes(group.Key);
            if (free < needed)
            {
                throw new AgentException(AgentErrorKind.ResourceExhausted, $"not enough disk beside the targets in {group.Key}: {needed} bytes needed, {free} free; nothing was changed");
            }
        }
    }

    /// <summary>The old files are hard-linked into the store where they can be; the rest (another file system, a file link) are copied and need room.</summary>
    private async Task EnsureSpaceForOldFilesAsync(IEnumerable<FileRecord> files, CancellationToken cancellationToken)
    {
        var storeDevice = Libc.Stat(paths.Blobs)?.Device;
        var copied = new List<string>();
        long needed = 0;
        foreach (var path in files.Select(f => f.Path).Where(File.Exists))
        {
            var linkable = new FileInfo(path).LinkTarget is null && Libc.Stat(path)?.Device == storeDevice;
            if (!linkable && !store.Contains(await DurableFile.HashAsync(path, cancellationToken)))
            {
                copied.Add(path);
                needed += new FileInfo(path).Length;
            }
        }

        if (needed > 0)
        {
            store.EnsureSpaceFor(needed, $"keep a copy of {string.Join(", ", copied)} in {paths.Blobs}");
        }
    }

    private static string ExistingAncestor(string directory)
    {
        var current = directory;
        while (!Directory.Exists(current))
        {
            current = Path.GetDirectoryName(current) ?? "/";
        }

        return current;
    }
}
