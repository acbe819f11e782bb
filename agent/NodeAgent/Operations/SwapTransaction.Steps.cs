using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Marker;
using NodeAgent.Services;
using NodeAgent.Store;
using NodeAgent.Testing;

namespace NodeAgent.Operations;

/// <summary>The forward handlers of the table: each does one step's work and returns the journaled next snapshot.</summary>
internal sealed partial class SwapTransaction
{
    private async Task<OperationRecord> PrepareAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
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

        var changing = op.Files.Where(f => current[f.Role] != f.NewDigest).Select(f => f with { OldDigest = current[f.Role] }).ToList();
        if (changing.Count == 0)
        {
            return finisher.Finish(op, OpState.Succeeded, $"{component.Name} is already at the target; nothing changed, nothing restarted");
        }

        var fromVersion = await prober.ReadVersionAsync(component, cancellationToken);
        var marker = op.Marker;
        if (marker is { Write: true })
        {
            var present = File.Exists(component.Marker!.Path);
            marker = marker with
            {
                OldVersion = marker.OldVersion ?? fromVersion ?? throw new AgentException(AgentErrorKind.FailedPrecondition, $"{component.Name} reports no version to record as the marker's old version; pass marker.old_version"),
                PreviouslyPresent = present,
                PreviousContentBase64 = present ? Convert.ToBase64String(File.ReadAllBytes(component.Marker.Path)) : null,
            };
        }

        var links = await preflight.CheckAsync(op, component, changing, cancellationToken);
        var linked = links.Count == 0 ? "" : $"; link(s) to swap: {string.Join(", ", links.Select(l => $"{l.LinkPath} -> {l.NewTarget}"))}";
        return registry.Update(op.Id, OpStep.Prepared, $"prepared: {changing.Count} file(s) to change, blobs verified{linked}", r => r with
        {
            Files = changing,
            Links = links,
            Marker = marker,
            FromVersion = r.FromVersion ?? fromVersion,
            Changed = true,
        });
    }

    private async Task<OperationRecord> BackUpAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        failpoints.Hit(Failpoints.SwapAfterPrepared);
        foreach (var file in op.Files.Where(f => f.OldDigest is not null))
        {
            await store.AdoptAsync(file.Path, file.OldDigest!, $"{op.Component}-{file.Role}-before-{op.Id}", AdoptMode.LinkOrCopy, cancellationToken);
        }

        var next = registry.Update(op.Id, OpStep.BackedUp, "old files kept in the store");
        failpoints.Hit(Failpoints.SwapAfterBackup);
        return next;
    }

    private OperationRecord WriteMarker(OperationRecord op, CatalogComponent component)
    {
        OperationRecord next;
        if (op.Marker is { Write: true } marker)
        {
            var written = MarkerFile.Write(component.Marker!, new MarkerContent(marker.OldVersion!, time.GetUtcNow(), op.ToVersion ?? "", op.Id));
            next = registry.Update(op.Id, OpStep.MarkerWritten, $"marker written: old version {written.OldVersion}, upgrade started {written.UpgradeStartedAt:O}");
        }
        else
        {
            next = registry.Update(op.Id, OpStep.MarkerWritten, "no marker requested");
        }

        failpoints.Hit(Failpoints.SwapAfterMarker);
        return next;
    }

    /// <summary>From MarkerWritten, or again from Swapping after a crash: every rename is idempotent.</summary>
    private OperationRecord Swap(OperationRecord op)
    {
        op = registry.Update(op.Id, OpStep.Swapping, "swapping files");
        SwapFiles(op, f => f.NewDigest, Failpoints.SwapAfterRename);
        SwapLinks(op.Links, l => l.NewTarget, Failpoints.SwapAfterLinkRename);
        failpoints.Hit(Failpoints.SwapAfterDirectorySync);
        return registry.Update(op.Id, OpStep.Swapped, $"swapped {op.Files.Count} file(s): {Describe(op)}");
    }

    private async Task<OperationRecord> ReloadAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        await ReloadIfUnitChangedAsync(op, cancellationToken);
        failpoints.Hit(Failpoints.SwapAfterReload);
        return registry.Update(op.Id, OpStep.Reloaded, op.HasUnitChange ? "unit files reloaded" : "no unit file changed; no reload needed");
    }

    private async Task ReloadIfUnitChangedAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        if (op.HasUnitChange)
        {
            await services.ReloadUnitsAsync(cancellationToken);
        }
    }

    private async Task<OperationRecord> BeginRestartAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        var before = await services.GetStatusAsync(component.Unit, cancellationToken);
        var measured = await checks.BeforeRestartAsync(op, component, before.MainPid, cancellationToken);
        return registry.Update(op.Id, OpStep.Restarting, $"restarting {component.Unit} (main pid {before.MainPid})", r => measured(r) with
        {
            OldMainPid = before.MainPid,
            ServiceTouched = true,
            HealthDeadline = time.GetUtcNow() + TimeSpan.FromSeconds(r.HealthTimeoutSeconds),
        });
    }

    private async Task<OperationRecord> RestartAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        var status = await services.GetStatusAsync(component.Unit, cancellationToken);
        if (!(status.Active && status.MainPid != op.OldMainPid))
        {
            await services.RestartAsync(component.Unit, cancellationToken);
            failpoints.Hit(Failpoints.SwapAfterRestart);
            status = await services.WaitForNewPidAsync(component.Unit, op.OldMainPid, op.HealthDeadline!.Value, time, cancellationToken);
        }

        return registry.Update(op.Id, OpStep.Restarted, $"{component.Unit} restarted: main pid {op.OldMainPid} -> {status.MainPid}", r => r with { NewMainPid = status.MainPid });
    }

    private async Task<OperationRecord> WaitHealthyAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        failpoints.Hit(Failpoints.SwapDuringHealth);
        var result = await prober.WaitHealthyAsync(component, op.ToVersion, op.HealthDeadline!.Value, cancellationToken);
        if (!result.Healthy)
        {
            return EnterRollback(op, $"{op.ToVersion} did not become healthy: {result.Problem}");
        }

        var window = component.HealthStable;
        var next = registry.Update(op.Id, OpStep.Healthy, window > TimeSpan.Zero
            ? $"{component.Name} healthy at {result.Version}; it must stay healthy with main pid {op.NewMainPid} for {window.TotalSeconds} s"
            : $"{component.Name} healthy at {result.Version}; no stability window (healthStableSeconds: 0)", r => r with { StableUntil = time.GetUtcNow() + window });
        failpoints.Hit(Failpoints.SwapDuringStability);
        return next;
    }

    private async Task<OperationRecord> WatchStabilityAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        if (op.StableUntil is { } until && await stability.WatchAsync(component, op.ToVersion, op.NewMainPid, until, cancellationToken) is { } problem)
        {
            return EnterRollback(op, $"{op.ToVersion} became healthy but did not stay healthy through the stability window ({component.HealthStable.TotalSeconds} s): {problem}");
        }

        return registry.Update(op.Id, OpStep.Stable, $"{component.Name} stayed healthy with main pid {op.NewMainPid} through the stability window");
    }

    private async Task<OperationRecord> CompleteAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        var (containers, connections, summary) = await checks.AfterHealthyAsync(op, component, cancellationToken);
        var outcome = $"{component.Name} {op.FromVersion ?? "?"} -> {op.ToVersion ?? "?"}: healthy, main pid {op.OldMainPid} -> {op.NewMainPid}";
        return finisher.Finish(op, OpState.Succeeded, summary.Length == 0 ? outcome : $"{outcome}; {summary}", r => r with
        {
            ContainerCheck = containers ?? r.ContainerCheck,
            Connections = connections ?? r.Connections,
        });
    }
}
