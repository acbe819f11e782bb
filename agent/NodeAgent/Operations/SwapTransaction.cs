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
    ApplyPreflight preflight,
    StabilityWatch stability,
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
                SwapFiles(op, f => f.NewDigest, Failpoints.SwapAfterRename);
                SwapLinks(op.Links, l => l.NewTarget, Failpoints.SwapAfterLinkRename);
                failpoints.Hit(Failpoints.SwapAfterDirectorySync);
                registry.Update(op.Id, OpStep.Swapped, $"swapped {op.Files.Count} file(s): {Describe(op)}");
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

            if (op.Step is OpStep.Restarted or OpStep.Healthy or OpStep.Stable)
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
    /// Crash recovery for an apply or rollback found unfinished at start: undo it if the swap had not begun; an apply
    /// cut in half by the crash is rolled back, an explicit rollback cut in half is finished (its purpose is to get
    /// back to the old version, and every file of it is already written); otherwise carry on from the journaled step.
    /// </summary>
    public async Task RecoverAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        var component = catalog.Find(op.Component);
        if (component is null)
        {
            finisher.Finish(op, OpState.RollbackFailed, $"component {op.Component} is no longer in the catalog; check its files by hand");
            return;
        }

        if (op.Links.Select(l => LinkPlanner.Check(l, component)).FirstOrDefault(p => p is not null) is { } mismatch)
        {
            finisher.Finish(op, OpState.RollbackFailed, $"the journal does not match the catalog ({mismatch}); nothing was done, check {component.Name}'s files by hand");
        }
        else if (op.Step < OpStep.Swapping)
        {
            Abort(op, component, "the agent stopped before the swap began (crash or restart); nothing was changed");
        }
        else if (op.Step == OpStep.Swapping && op.Kind == OpKind.Apply)
        {
            await RollBackAsync(op, component, "the agent stopped in the middle of the swap", cancellationToken);
        }
        else
        {
            // In the stability window (Healthy) the main PID must not change: a process gone during the outage fails the window.
            // A journal from an agent without the window (Healthy, no StableUntil) meant "healthy, checks pending".
            if (op.Step is OpStep.Restarting or OpStep.Restarted or OpStep.Stable || op.Step == OpStep.Healthy && op.StableUntil is null)
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

        var links = await preflight.CheckAsync(op, component, changing, cancellationToken);
        var linked = links.Count == 0 ? "" : $"; link(s) to swap: {string.Join(", ", links.Select(l => $"{l.LinkPath} -> {l.NewTarget}"))}";
        registry.Update(op.Id, OpStep.Prepared, $"prepared: {changing.Count} file(s) to change, blobs verified{linked}", r =>
        {
            foreach (var file in changing)
            {
                file.OldDigest = current[file.Role];
            }

            r.Files = changing;
            r.Links = links;
            r.FromVersion ??= fromVersion;
            r.Changed = true;
        });
        return true;
    }

    private async Task BackUpAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        foreach (var file in op.Files.Where(f => f.OldDigest is not null))
        {
            await store.AdoptAsync(file.Path, file.OldDigest!, $"{op.Component}-{file.Role}-before-{op.Id}", AdoptMode.LinkOrCopy, cancellationToken);
        }

        registry.Update(op.Id, OpStep.BackedUp, "old files kept in the store");
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

            var window = component.HealthStable;
            registry.Update(op.Id, OpStep.Healthy, window > TimeSpan.Zero
                ? $"{component.Name} healthy at {result.Version}; it must stay healthy with main pid {op.NewMainPid} for {window.TotalSeconds} s"
                : $"{component.Name} healthy at {result.Version}; no stability window (healthStableSeconds: 0)", r => r.StableUntil = time.GetUtcNow() + window);
            failpoints.Hit(Failpoints.SwapDuringStability);
        }

        if (op.Step == OpStep.Healthy)
        {
            if (op.StableUntil is { } until && await stability.WatchAsync(component, op.ToVersion, op.NewMainPid, until, cancellationToken) is { } problem)
            {
                await RollBackAsync(op, component, $"{op.ToVersion} became healthy but did not stay healthy through the stability window ({component.HealthStable.TotalSeconds} s): {problem}", cancellationToken);
                return;
            }

            registry.Update(op.Id, OpStep.Stable, $"{component.Name} stayed healthy with main pid {op.NewMainPid} through the stability window");
        }

        var (containers, connections, summary) = await checks.AfterHealthyAsync(op, component, cancellationToken);
        var outcome = $"{component.Name} {op.FromVersion ?? "?"} -> {op.ToVersion ?? "?"}: healthy, main pid {op.OldMainPid} -> {op.NewMainPid}";
        finisher.Finish(op, OpState.Succeeded, summary.Length == 0 ? outcome : $"{outcome}; {summary}", r =>
        {
            r.ContainerCheck = containers ?? r.ContainerCheck;
            r.Connections = connections ?? r.Connections;
        });
    }

    private static string Reason(Exception ex) => ex switch
    {
        AgentException or ServiceManagerException or IOException or UnauthorizedAccessException => ex.Message,
        _ => $"unexpected error ({ex.GetType().Name}: {ex.Message})",
    };

    private static string Describe(OperationRecord op) =>
        string.Join(", ", op.Files.Select(f => $"{f.Role} {Short(f.OldDigest)} -> {Short(f.NewDigest)}")
            .Concat(op.Links.Select(l => $"link {l.LinkPath}: {l.OldTarget} -> {l.NewTarget}")));

    private static string Short(string? digest) => digest is null ? "(none)" : digest[..12];

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Operation {OperationId} on {Component} failed at step {Step}: {Reason}")]
    private partial void LogFailed(string operationId, string component, OpStep step, string reason);
}
