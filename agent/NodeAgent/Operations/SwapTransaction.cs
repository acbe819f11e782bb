using Microsoft.Extensions.Logging;
using NodeAgent.Checks;
using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Health;
using NodeAgent.Marker;
using NodeAgent.Services;
using NodeAgent.Store;
using NodeAgent.Testing;

namespace NodeAgent.Operations;

/// <summary>
/// Apply and Rollback as one journaled transaction, resumable from any journaled step:
/// re-verify, journal, keep old files, write new files beside their targets, marker, rename + directory fsync,
/// reload units, restart, health; on failure put the old files back the same way.
/// </summary>
internal sealed partial class SwapTransaction(
    OperationRegistry registry,
    ArtifactStore store,
    ComponentCatalog catalog,
    IServiceManager services,
    ComponentProber prober,
    OperationFinisher finisher,
    ApplyChecks checks,
    Failpoints failpoints,
    TimeProvider time,
    ILogger<SwapTransaction> logger)
{
    /// <summary>Runs an apply or rollback from wherever its journal says it is.</summary>
    public async Task RunAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        var component = catalog.Find(op.Component)!;
        try
        {
            if (op.Step == OpStep.Accepted && !await PrepareAsync(op, component, cancellationToken))
            {
                return;
            }

            if (op.Step == OpStep.Prepared)
            {
                failpoints.Hit(Failpoints.SwapAfterPrepared);
                await BackUpAsync(op, cancellationToken);
                failpoints.Hit(Failpoints.SwapAfterBackup);
            }

            if (op.Step == OpStep.BackedUp)
            {
                await WriteNewFilesAsync(op, cancellationToken);
            }

            if (op.Step == OpStep.Written)
            {
                WriteMarker(op, component);
                failpoints.Hit(Failpoints.SwapAfterMarker);
            }

            if (op.Step is OpStep.MarkerWritten or OpStep.Swapping)
            {
                registry.Update(op.Id, OpStep.Swapping, "swapping files");
                SwapFiles(op.Files, f => f.NewDigest, Failpoints.SwapAfterRename);
                failpoints.Hit(Failpoints.SwapAfterDirectorySync);
                registry.Update(op.Id, OpStep.Swapped, $"swapped {op.Files.Count} file(s): {Describe(op.Files)}");
            }

            if (op.Step == OpStep.Swapped)
            {
                await ReloadIfUnitChangedAsync(op, cancellationToken);
                failpoints.Hit(Failpoints.SwapAfterReload);
                registry.Update(op.Id, OpStep.Reloaded, op.HasUnitChange ? "unit files reloaded" : "no unit file changed; no reload needed");
            }

            if (op.Step is OpStep.Reloaded or OpStep.Restarting)
            {
                await RestartAsync(op, component, cancellationToken);
            }

            if (op.Step is OpStep.Restarted or OpStep.Healthy)
            {
                await ConfirmHealthyAsync(op, component, cancellationToken);
            }

            if (op.Step is OpStep.RollingBack or OpStep.Restored)
            {
                await RollBackAsync(op, component, op.Message, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await FailAsync(op, component, Reason(ex), cancellationToken);
        }
    }

    /// <summary>
    /// Crash recovery for an apply or rollback found unfinished at start: undo it if the swap had not begun or
    /// was cut in half, otherwise carry on from the journaled step.
    /// </summary>
    public async Task RecoverAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        var component = catalog.Find(op.Component);
        if (component is null)
        {
            finisher.Finish(op, OpState.RollbackFailed, $"component {op.Component} is no longer in the catalog; check its files by hand");
            return;
        }

        if (op.Step < OpStep.Swapping)
        {
            Abort(op, component, "the agent stopped before the swap began (crash or restart); nothing was changed");
        }
        else if (op.Step == OpStep.Swapping)
        {
            await RollBackAsync(op, component, "the agent stopped in the middle of the swap", cancellationToken);
        }
        else
        {
            if (op.Step is OpStep.Restarting or OpStep.Restarted or OpStep.Healthy)
            {
                await EnsureRunningAfterCrashAsync(op, component, cancellationToken);
            }

            await RunAsync(op, cancellationToken);
        }
    }

    /// <summary>
    /// The service was (being) restarted when the agent went down. Once restarted, if it is not running now (the
    /// node rebooted, or the process manager's child died with it), start it. Either way the new version gets a
    /// whole health timeout from now, not what was left of it before the outage.
    /// </summary>
    private async Task EnsureRunningAfterCrashAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        var status = await services.GetStatusAsync(component.Unit, cancellationToken);
        if (!status.Active && op.Step != OpStep.Restarting)
        {
            await services.StartAsync(component.Unit, cancellationToken);
            status = await services.GetStatusAsync(component.Unit, cancellationToken);
        }

        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(op.HealthTimeoutSeconds);
        registry.Update(op.Id, op.Step, $"recovering after an agent restart: {component.Unit} is {status.Describe()}", r =>
        {
            if (r.Step != OpStep.Restarting)
            {
                r.NewMainPid = status.MainPid;
            }

            r.HealthDeadline = deadline;
        });
    }

    private async Task<bool> PrepareAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        foreach (var file in op.Files.Where(f => f.NewDigest is not null))
        {
            var actual = await store.ComputeDigestAsync(file.NewDigest!, cancellationToken);
            if (actual != file.NewDigest)
            {
                throw new AgentException(AgentErrorKind.FailedPrecondition, $"staged blob {file.NewDigest} for {file.Role} is corrupt (it now hashes to {actual}); stage it again");
            }
        }

        var current = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var file in op.Files)
        {
            current[file.Role] = await DurableFile.HashIfPresentAsync(file.Path, cancellationToken);
        }

        var changing = op.Files.Where(f => current[f.Role] != f.NewDigest).ToList();
        if (changing.Count == 0)
        {
            finisher.Finish(op, OpState.Succeeded, $"{component.Name} is already at the target; nothing changed, nothing restarted");
            return false;
        }

        var fromVersion = await prober.ReadVersionAsync(component, cancellationToken);
        var marker = op.Marker;
        if (marker is { Write: true })
        {
            marker.OldVersion ??= fromVersion ?? throw new AgentException(AgentErrorKind.FailedPrecondition, $"{component.Name} reports no version to record as the marker's old version; pass marker.old_version");
            marker.PreviouslyPresent = File.Exists(component.Marker!.Path);
            marker.PreviousContentBase64 = marker.PreviouslyPresent ? Convert.ToBase64String(File.ReadAllBytes(component.Marker.Path)) : null;
        }

        EnsureSpaceBesideTargets(changing);
        registry.Update(op.Id, OpStep.Prepared, $"prepared: {changing.Count} file(s) to change, blobs verified", r =>
        {
            foreach (var file in changing)
            {
                file.OldDigest = current[file.Role];
            }

            r.Files = changing;
            r.FromVersion ??= fromVersion;
            r.Changed = true;
        });
        return true;
    }

    private void EnsureSpaceBesideTargets(IEnumerable<FileRecord> files)
    {
        foreach (var group in files.Where(f => f.NewDigest is not null).GroupBy(f => ExistingAncestor(Path.GetDirectoryName(f.Path)!)))
        {
            var needed = group.Sum(f => new FileInfo(store.BlobPath(f.NewDigest!)).Length);
            var free = DurableFile.FreeBytes(group.Key);
            if (free < needed)
            {
                throw new AgentException(AgentErrorKind.ResourceExhausted, $"not enough disk beside the targets in {group.Key}: {needed} bytes needed, {free} free; nothing was changed");
            }
        }
    }

    private async Task BackUpAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        foreach (var file in op.Files.Where(f => f.OldDigest is not null))
        {
            await store.AdoptAsync(file.Path, file.OldDigest!, $"{op.Component}-{file.Role}-before-{op.Id}", AdoptMode.LinkOrCopy, cancellationToken);
        }

        registry.Update(op.Id, OpStep.BackedUp, "old files kept in the store");
    }

    private async Task WriteNewFilesAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        foreach (var file in op.Files.Where(f => f.NewDigest is not null))
        {
            await WriteBesideAsync(file, file.NewDigest!, cancellationToken);
            failpoints.Hit(Failpoints.SwapAfterWriteFile);
        }

        registry.Update(op.Id, OpStep.Written, "new files written beside their targets and verified");
    }

    private async Task WriteBesideAsync(FileRecord file, string digest, CancellationToken cancellationToken)
    {
        var staging = file.Path + DurableFile.NewSuffix;
        Directory.CreateDirectory(Path.GetDirectoryName(file.Path)!);
        await DurableFile.CopyDurableAsync(store.BlobPath(digest), staging, (UnixFileMode)file.Mode, cancellationToken);
        var written = await DurableFile.HashAsync(staging, cancellationToken);
        if (written != digest)
        {
            File.Delete(staging);
            throw new AgentException(AgentErrorKind.FailedPrecondition, $"the copy of {digest} beside {file.Path} hashes to {written}; the blob or the disk is damaged");
        }
    }

    private void WriteMarker(OperationRecord op, CatalogComponent component)
    {
        if (op.Marker is { Write: true } marker)
        {
            var written = MarkerFile.Write(component.Marker!, new MarkerContent(marker.OldVersion!, time.GetUtcNow(), op.ToVersion ?? "", op.Id));
            registry.Update(op.Id, OpStep.MarkerWritten, $"marker written: old version {written.OldVersion}, upgrade started {written.UpgradeStartedAt:O}");
        }
        else
        {
            registry.Update(op.Id, OpStep.MarkerWritten, "no marker requested");
        }
    }

    /// <summary>Renames each prepared file over its target (or removes it), then fsyncs every directory touched.</summary>
    private void SwapFiles(IEnumerable<FileRecord> files, Func<FileRecord, string?> target, string failpoint)
    {
        var directories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
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

    private async Task ReloadIfUnitChangedAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        if (op.HasUnitChange)
        {
            await services.ReloadUnitsAsync(cancellationToken);
        }
    }

    private async Task RestartAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        if (op.Step == OpStep.Reloaded)
        {
            var before = await services.GetStatusAsync(component.Unit, cancellationToken);
            var measured = await checks.BeforeRestartAsync(op, component, before.MainPid, cancellationToken);
            registry.Update(op.Id, OpStep.Restarting, $"restarting {component.Unit} (main pid {before.MainPid})", r =>
            {
                measured(r);
                r.OldMainPid = before.MainPid;
                r.ServiceTouched = true;
                r.HealthDeadline = time.GetUtcNow() + TimeSpan.FromSeconds(r.HealthTimeoutSeconds);
            });
        }

        var status = await services.GetStatusAsync(component.Unit, cancellationToken);
        if (!(status.Active && status.MainPid != op.OldMainPid))
        {
            await services.RestartAsync(component.Unit, cancellationToken);
            failpoints.Hit(Failpoints.SwapAfterRestart);
            status = await services.WaitForNewPidAsync(component.Unit, op.OldMainPid, op.HealthDeadline!.Value, time, cancellationToken);
        }

        registry.Update(op.Id, OpStep.Restarted, $"{component.Unit} restarted: main pid {op.OldMainPid} -> {status.MainPid}", r => r.NewMainPid = status.MainPid);
    }

    private async Task ConfirmHealthyAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        if (op.Step == OpStep.Restarted)
        {
            failpoints.Hit(Failpoints.SwapDuringHealth);
            var result = await prober.WaitHealthyAsync(component, op.ToVersion, op.HealthDeadline!.Value, cancellationToken);
            if (!result.Healthy)
            {
                await RollBackAsync(op, component, $"{op.ToVersion} did not become healthy: {result.Problem}", cancellationToken);
                return;
            }

            registry.Update(op.Id, OpStep.Healthy, $"{component.Name} healthy at {result.Version}");
        }

        var (containers, connections, summary) = await checks.AfterHealthyAsync(op, component, cancellationToken);
        var outcome = $"{component.Name} {op.FromVersion ?? "?"} -> {op.ToVersion ?? "?"}: healthy, main pid {op.OldMainPid} -> {op.NewMainPid}";
        finisher.Finish(op, OpState.Succeeded, summary.Length == 0 ? outcome : $"{outcome}; {summary}", r =>
        {
            r.ContainerCheck = containers ?? r.ContainerCheck;
            r.Connections = connections ?? r.Connections;
        });
    }

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
        foreach (var file in op.Files)
        {
            File.Delete(file.Path + DurableFile.NewSuffix);
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
                foreach (var file in op.Files.Where(f => f.OldDigest is not null))
                {
                    await WriteBesideAsync(file, file.OldDigest!, cancellationToken);
                }

                SwapFiles(op.Files, f => f.OldDigest, Failpoints.RollbackAfterRename);
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

    private static string Reason(Exception ex) => ex switch
    {
        AgentException or ServiceManagerException or IOException or UnauthorizedAccessException => ex.Message,
        _ => $"unexpected error ({ex.GetType().Name}: {ex.Message})",
    };

    private static string Describe(IEnumerable<FileRecord> files) =>
        string.Join(", ", files.Select(f => $"{f.Role} {Short(f.OldDigest)} -> {Short(f.NewDigest)}"));

    private static string Short(string? digest) => digest is null ? "(none)" : digest[..12];

    private static string ExistingAncestor(string directory)
    {
        var current = directory;
        while (!Directory.Exists(current))
        {
            current = Path.GetDirectoryName(current) ?? "/";
        }

        return current;
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Operation {OperationId} on {Component} failed at step {Step}: {Reason}")]
    private partial void LogFailed(string operationId, string component, OpStep step, string reason);

    [LoggerMessage(EventId = 401, Level = LogLevel.Critical, Message = "Rollback of operation {OperationId} on {Component} failed: {Reason}. The component needs a human")]
    private partial void LogRollbackFailed(string operationId, string component, string reason);
}
