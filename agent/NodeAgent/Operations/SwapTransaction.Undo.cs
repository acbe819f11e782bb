using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Marker;
using NodeAgent.Services;
using NodeAgent.Testing;

namespace NodeAgent.Operations;

/// <summary>The undo side of the swap: abort before the renames, roll back after them.</summary>
internal sealed partial class SwapTransaction
{
    private async Task FailAsync(OperationRecord op, CatalogComponent component, string reason, CancellationToken cancellationToken)
    {
        LogFailed(op.Id, op.Component, op.Step, reason);
        if (op.Step < OpStep.Swapping)
        {
            Abort(op, component, reason);
        }
        else if (op.Step < OpStep.RollingBack)
        {
            await RollBackAsync(op, component, reason, cancellationToken);
        }
        else
        {
            finisher.Finish(op, OpState.RollbackFailed, $"{op.Message}; the rollback itself failed: {reason}");
        }
    }

    /// <summary>Nothing was renamed yet: remove what was written beside the targets and put the marker back.</summary>
    private void Abort(OperationRecord op, CatalogComponent component, string reason)
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
        finisher.Finish(op, OpState.Failed, $"{reason}; nothing was changed");
    }

    private static void RestoreMarker(OperationRecord op, CatalogComponent component)
    {
        // From Written on, the marker may be on disk even if MarkerWritten was never journaled; restoring is idempotent.
        if (op.Marker is { Write: true } marker && component.Marker is { } spec && op.Step >= OpStep.Written)
        {
            MarkerFile.Restore(spec, marker.PreviousContentBase64 is null ? null : Convert.FromBase64String(marker.PreviousContentBase64));
        }
    }

    private async Task RollBackAsync(OperationRecord op, CatalogComponent component, string reason, CancellationToken cancellationToken)
    {
        try
        {
            if (op.Step != OpStep.Restored)
            {
                registry.Update(op.Id, OpStep.RollingBack, $"rolling back: {reason}", r => r.Message = reason);
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
                registry.Update(op.Id, OpStep.Restored, "old files restored");
                failpoints.Hit(Failpoints.RollbackAfterRestored);
            }

            if (!op.ServiceTouched)
            {
                finisher.Finish(op, OpState.RolledBack, $"{reason}; old files restored, the service was not restarted");
                return;
            }

            var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(op.HealthTimeoutSeconds);
            var before = await services.GetStatusAsync(component.Unit, cancellationToken);
            if (before.Active && before.MainPid == op.OldMainPid && op.OldMainPid != 0)
            {
                // The restart never took effect (refused, for example a unit masked after the preflight): the old process
                // ran on the old files throughout and the node is as it was; restarting it now would only add an outage.
                finisher.Finish(op, OpState.RolledBack, $"{reason}; old files restored; {component.Unit} kept running its old process (main pid {before.MainPid}) throughout, nothing was restarted");
                return;
            }

            await services.RestartAsync(component.Unit, cancellationToken);
            var status = await services.WaitForNewPidAsync(component.Unit, before.MainPid, deadline, time, cancellationToken);
            var result = await prober.WaitHealthyAsync(component, op.FromVersion, deadline, cancellationToken);
            if (result.Healthy)
            {
                finisher.Finish(op, OpState.RolledBack, $"{reason}; rolled back to {result.Version ?? "the old files"}, healthy (main pid {status.MainPid})", r => r.NewMainPid = status.MainPid);
            }
            else
            {
                finisher.Finish(op, OpState.RollbackFailed, $"{reason}; the old files are back but {result.Problem}");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var why = Reason(ex);
            LogRollbackFailed(op.Id, op.Component, why);
            finisher.Finish(op, OpState.RollbackFailed, $"{reason}; the rollback failed: {why}");
        }
    }

    [LoggerMessage(EventId = 401, Level = LogLevel.Critical, Message = "Rollback of operation {OperationId} on {Component} failed: {Reason}. The component needs a human")]
    private partial void LogRollbackFailed(string operationId, string component, string reason);
}
