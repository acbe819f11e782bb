using NodeAgent.Files;
using NodeAgent.Testing;

namespace NodeAgent.Operations;

/// <summary>The file side of the swap: new content written and verified beside the targets (or in a link's new place), then renamed.</summary>
internal sealed partial class SwapTransaction
{
    private async Task<OperationRecord> WriteNewFilesAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        foreach (var file in PlainFiles(op).Where(f => f.NewDigest is not null))
        {
            await WriteVerifiedAsync(file.Path + DurableFile.NewSuffix, file.NewDigest!, file.Mode, cancellationToken);
            failpoints.Hit(Failpoints.SwapAfterWriteFile);
        }

        foreach (var link in op.Links)
        {
            await WriteLinkedAsync(link, op.Files.Where(f => link.Covers(f.Path)).ToList(), cancellationToken);
        }

        return registry.Update(op.Id, OpStep.Written, op.Links.Count == 0
            ? "new files written beside their targets and verified"
            : $"new files written and verified; new version in {string.Join(", ", op.Links.Select(l => l.NewPlace))}, new link(s) ready");
    }

    /// <summary>Builds the new version's place beside the old one (or checks the one a rollback returns to) and stages the new link.</summary>
    private async Task WriteLinkedAsync(LinkRecord link, IReadOnlyList<FileRecord> files, CancellationToken cancellationToken)
    {
        if (link.CreatedPlace)
        {
            LinkSwap.StartPlace(link, files.Select(f => f.Path).ToList());
            failpoints.Hit(Failpoints.SwapAfterLinkPlace);
            foreach (var file in files.Where(f => f.NewDigest is not null))
            {
                await WriteVerifiedAsync(LinkSwap.StagingPathOf(link, file.Path), file.NewDigest!, file.Mode, cancellationToken);
                failpoints.Hit(Failpoints.SwapAfterWriteFile);
            }

            LinkSwap.CommitPlace(link);
        }
        else
        {
            foreach (var file in files.Where(f => f.NewDigest is not null))
            {
                var actual = await DurableFile.HashIfPresentAsync(link.PlaceOf(file.Path), cancellationToken);
                if (actual != file.NewDigest)
                {
                    throw new AgentException(AgentErrorKind.FailedPrecondition, $"{link.PlaceOf(file.Path)} should hold {file.NewDigest} but holds {actual ?? "nothing"}; it was changed after the apply");
                }
            }
        }

        LinkSwap.StageLink(link, link.NewTarget);
    }

    private async Task WriteVerifiedAsync(string destination, string digest, int mode, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        await DurableFile.CopyDurableAsync(store.BlobPath(digest), destination, (UnixFileMode)mode, cancellationToken);
        var written = await DurableFile.HashAsync(destination, cancellationToken);
        if (written != digest)
        {
            File.Delete(destination);
            throw new AgentException(AgentErrorKind.FailedPrecondition, $"the copy of {digest} at {destination} hashes to {written}; the blob or the disk is damaged");
        }
    }

    /// <summary>The files swapped by renaming beside themselves: those not under a link of the layout.</summary>
    private static IEnumerable<FileRecord> PlainFiles(OperationRecord op) => op.Files.Where(f => !op.Links.Any(l => l.Covers(f.Path)));

    /// <summary>Renames each prepared plain file over its target (or removes it), then fsyncs every directory touched.</summary>
    private void SwapFiles(OperationRecord op, Func<FileRecord, string?> target, string failpoint)
    {
        var directories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in PlainFiles(op))
        {
            var staging = file.Path + DurableFile.NewSuffix;
            if (target(file) is null)
            {
                File.Delete(staging);
                File.Delete(file.Path);
            }
            else if (File.Exists(staging))
            {
                DurableFile.Replace(staging, file.Path);
            }

            directories.Add(Path.GetDirectoryName(file.Path)!);
            failpoints.Hit(failpoint);
        }

        foreach (var directory in directories)
        {
            DurableFile.SyncDirectory(directory);
        }
    }

    /// <summary>Stages each link to the wanted target and renames it over the old link, then fsyncs the links' directories.</summary>
    private void SwapLinks(IEnumerable<LinkRecord> links, Func<LinkRecord, string> target, string failpoint)
    {
        foreach (var link in links)
        {
            if (new FileInfo(link.LinkPath).LinkTarget != target(link))
            {
                LinkSwap.StageLink(link, target(link));
                LinkSwap.Replace(link);
            }

            DurableFile.SyncDirectory(Path.GetDirectoryName(link.LinkPath)!);
            failpoints.Hit(failpoint);
        }
    }
}
