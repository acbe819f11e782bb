using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Health;
using NodeAgent.Marker;
using NodeAgent.Services;
using NodeAgent.Store;

namespace NodeAgent.Operations;

/// <summary>The single-step operations: restart, stop, start, backup, write and clear the marker.</summary>
internal sealed class ComponentActions(
    OperationRegistry registry,
    ComponentCatalog catalog,
    ArtifactStore store,
    IServiceManager services,
    ComponentProber prober,
    OperationFinisher finisher,
    TimeProvider time)
{
    public async Task RunAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        var component = catalog.Find(op.Component)!;
        try
        {
            var (state, message) = op.Kind switch
            {
                OpKind.Restart => await RestartAsync(op, component, cancellationToken),
                OpKind.Stop => await StopAsync(component, cancellationToken),
                OpKind.Start => await StartAsync(op, component, cancellationToken),
                OpKind.Backup => await BackupAsync(op, component, cancellationToken),
                OpKind.WriteMarker => await WriteMarkerAsync(op, component, cancellationToken),
                OpKind.ClearMarker => ClearMarker(component),
                _ => throw new InvalidOperationException($"{op.Kind} is not a component action"),
            };
            finisher.Finish(op, state, message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            finisher.Finish(op, OpState.Failed, ex is AgentException or ServiceManagerException or IOException or InvalidDataException ? ex.Message : $"unexpected error ({ex.GetType().Name}: {ex.Message})");
        }
    }

    /// <summary>
    /// Stop, start, backup and the marker writes are idempotent and are carried out again. A restart is not
    /// repeated behind the caller's back: it may or may not have happened, and the operation says so.
    /// </summary>
    public Task RecoverAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        if (op.Kind != OpKind.Restart)
        {
            return RunAsync(op, cancellationToken);
        }

        finisher.Finish(op, OpState.Failed, "the agent stopped during this restart, which may or may not have happened; check the component and retry with a new operation id");
        return Task.CompletedTask;
    }

    private async Task<(OpState, string)> RestartAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        var before = await services.GetStatusAsync(component.Unit, cancellationToken);
        registry.Update(op.Id, OpStep.Restarting, $"restarting {component.Unit} (main pid {before.MainPid})", r => r with { OldMainPid = before.MainPid, ServiceTouched = true });
        await services.RestartAsync(component.Unit, cancellationToken);
        await services.WaitForNewPidAsync(component.Unit, before.MainPid, time.GetUtcNow() + TimeSpan.FromSeconds(op.HealthTimeoutSeconds), time, cancellationToken);
        return await WaitHealthyAsync(op, component, cancellationToken);
    }

    private async Task<(OpState, string)> StartAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        await services.StartAsync(component.Unit, cancellationToken);
        return await WaitHealthyAsync(op, component, cancellationToken);
    }

    private async Task<(OpState, string)> WaitHealthyAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(op.HealthTimeoutSeconds);
        var result = await prober.WaitHealthyAsync(component, null, deadline, cancellationToken);
        var pid = result.Status?.MainPid ?? 0;
        registry.Update(op.Id, OpStep.Restarted, $"{component.Unit} main pid {pid}", r => r with { NewMainPid = pid });
        return result.Healthy
            ? (OpState.Succeeded, $"{component.Name} running and healthy (main pid {pid}, version {result.Version ?? "unknown"})")
            : (OpState.Failed, $"{component.Name} is not healthy: {result.Problem}");
    }

    private async Task<(OpState, string)> StopAsync(CatalogComponent component, CancellationToken cancellationToken)
    {
        await services.StopAsync(component.Unit, cancellationToken);
        var status = await services.GetStatusAsync(component.Unit, cancellationToken);
        return status.Active
            ? (OpState.Failed, $"{component.Unit} is still active after stop: {status.Describe()}")
            : (OpState.Succeeded, $"{component.Unit} stopped");
    }

    private async Task<(OpState, string)> BackupAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        var files = new List<FileRecord>();
        foreach (var file in component.Files.Where(f => File.Exists(f.Path)))
        {
            var digest = await DurableFile.HashAsync(file.Path, cancellationToken);
            await store.AdoptAsync(file.Path, digest, $"{component.Name}-{file.Role}-backup-{op.Id}", AdoptMode.Copy, cancellationToken);
            files.Add(new FileRecord { Role = file.Role, Path = file.Path, OldDigest = digest, NewDigest = digest, Mode = (int)file.Mode, IsUnit = file.IsUnit });
        }

        var version = await prober.ReadVersionAsync(component, cancellationToken);
        registry.Update(op.Id, OpStep.BackedUp, $"{files.Count} file(s) kept in the store", r => r with { Files = files, FromVersion = version });
        return (OpState.Succeeded, $"backup {op.Id} of {component.Name} ({version ?? "unknown version"}): {files.Count} file(s) kept in the store");
    }

    private async Task<(OpState, string)> WriteMarkerAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        var oldVersion = op.Marker!.OldVersion ?? await prober.ReadVersionAsync(component, cancellationToken)
            ?? throw new AgentException(AgentErrorKind.FailedPrecondition, $"{component.Name} reports no version to record as the old version; pass old_version");
        var written = MarkerFile.Write(component.Marker!, new MarkerContent(oldVersion, time.GetUtcNow(), op.ToVersion!, op.Id));
        return (OpState.Succeeded, $"marker {component.Marker!.Path} written: old version {written.OldVersion}, started {written.UpgradeStartedAt:O}, target {written.TargetVersion}");
    }

    private static (OpState, string) ClearMarker(CatalogComponent component) =>
        MarkerFile.Clear(component.Marker!)
            ? (OpState.Succeeded, $"marker {component.Marker!.Path} removed")
            : (OpState.Succeeded, $"marker {component.Marker!.Path} was already absent");
}
