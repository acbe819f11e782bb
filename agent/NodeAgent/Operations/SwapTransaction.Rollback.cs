using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Marker;
using NodeAgent.Services;
using NodeAgent.Testing;

namespace NodeAgent.Operations;

/// <summary>The undo side of the swap: abort before the renames; after them the table's RollingBack and Restored rows.</summary>
internal sealed partial class SwapTransaction
{
    /// <summary>Nothing was renamed yet: remove what was written beside the targets and put the marker back.</summary>
    private OperationRecord Abort(OperationRecord op, CatalogComponent component, string reason)
    {
        foreach (var file in PlainFiles(op))
        {
            File.Delete(file.Path + DurableFile.NewSuffix);
        }

        foreach (var link in op.Links)
        {
            LinkSwap.Discard(link);
        }

        RestoreMarker(op, component);
        return finisher.Finish(op, OpState.Failed, $"{reason}; nothing was changed");
    }

    private static void RestoreMarker(OperationRecord op, CatalogComponent component)
    {
        // From Written on, the marker may be on disk even if MarkerWritten was never journaled; restoring is idempotent.
        if (op.Marker is { Write: true } marker && component.Marker is { } spec && op.Step >= OpStep.Written)
        {
            MarkerFile.Restore(spec, marker.PreviousContentBase64 is null ? null : Convert.FromBase64String(marker.PreviousContentBase64));
        }
    }

    /// <summary>RollingBack: the old files back (written beside, renamed over), links and marker restored, units reloaded.</summary>
    private async Task<OperationRecord> RestoreFilesAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        foreach (var file in PlainFiles(op).Where(f => f.OldDigest is not null))
        {
            await WriteVerifiedAsync(file.Path + DurableFile.NewSuffix, file.OldDigest!, file.Mode, cancellationToken);
        }

        SwapFiles(op, f => f.OldDigest, Failpoints.RollbackAfterRename);
        SwapLinks(op.Links, l => l.OldTarget, Failpoints.RollbackAfterLinkRestore);
        foreach (var link in op.Links)
        {
            LinkSwap.Discard(link);
        }

        RestoreMarker(op, component);
        await ReloadIfUnitChangedAsync(op, cancellationToken);
        var next = registry.Update(op.Id, OpStep.Restored, "old files restored");
        failpoints.Hit(Failpoints.RollbackAfterRestored);
        return next;
    }

    /// <summary>Restored: the old version running and healthy again, when the service had been touched.</summary>
    private async Task<OperationRecord> RestartOldAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        var reason = op.Message;
        if (!op.ServiceTouched)
        {
            return finisher.Finish(op, OpState.RolledBack, $"{reason}; old files restored, the service was not restarted");
        }

        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(op.HealthTimeoutSeconds);
        var before = await services.GetStatusAsync(component.Unit, cancellationToken);
        if (before.Active && before.MainPid == op.OldMainPid && op.OldMainPid != 0)
        {
            // The restart never took effect (refused, for example a unit masked after the preflight): the old process
            // ran on the old files throughout and the node is as it was; restarting it now would only add an outage.
            return finisher.Finish(op, OpState.RolledBack, $"{reason}; old files restored; {component.Unit} kept running its old process (main pid {before.MainPid}) throughout, nothing was restarted");
        }

        await services.RestartAsync(component.Unit, cancellationToken);
        var status = await services.WaitForNewPidAsync(component.Unit, before.MainPid, deadline, time, cancellationToken);
        var result = await prober.WaitHealthyAsync(component, op.FromVersion, deadline, cancellationToken);
        return result.Healthy
            ? finisher.Finish(op, OpState.RolledBack, $"{reason}; rolled back to {result.Version ?? "the old files"}, healthy (main pid {status.MainPid})", r => r with { NewMainPid = status.MainPid })
            : finisher.Finish(op, OpState.RollbackFailed, $"{reason}; the old files are back but {result.Problem}");
    }
}
