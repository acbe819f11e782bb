using Microsoft.Extensions.Hosting;
using NodeAgent.Configuration;
using NodeAgent.Store;
using NodeAgent.Validation;

namespace NodeAgent.Operations;

/// <summary>
/// Accepts mutating requests: validates them at the edge, registers them idempotently, and runs them in the
/// background on the agent's lifetime (a caller that disconnects does not stop an operation).
/// </summary>
internal sealed class OperationService(
    OperationRegistry registry,
    OperationJournal journal,
    ComponentCatalog catalog,
    ArtifactStore store,
    SwapTransaction swap,
    ApplyPreflight preflight,
    ComponentActions actions,
    AgentOptions options,
    OperationEscalation escalation,
    IHostApplicationLifetime lifetime)
{
    private static readonly TimeSpan MaxHealthTimeout = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan MaxConnectionSoak = TimeSpan.FromMinutes(10);

    public async Task<(T Operation, bool Existing)> ApplyAsync<T>(ApplyCommand command, Func<OperationRecord, T> map, CancellationToken cancellationToken)
    {
        var component = CheckCommon(command.OperationId, command.Component);
        ApplyCommandRules.Check(command, component, MaxConnectionSoak);
        var timeout = CheckTimeout(command.HealthTimeout);
        var candidate = NewRecord(OpKind.Apply, command.OperationId, component, command.Fingerprint, timeout) with
        {
            ToVersion = command.TargetVersion,
            ConnectionSoakSeconds = command.ConnectionSoak?.TotalSeconds ?? 0,
            Files = command.Files.Select(f => ToFileRecord(component.FindFile(f.Role)!, f.Digest)).ToList(),
            Marker = command.WriteMarker ? new MarkerRecord { Write = true, OldVersion = string.IsNullOrEmpty(command.MarkerOldVersion) ? null : command.MarkerOldVersion } : null,
        };

        return await SubmitAsync(candidate, map, async () =>
        {
            if (command.WriteMarker && component.Marker is null)
            {
                throw new AgentException(AgentErrorKind.FailedPrecondition, $"marker.write: {component.Name} has no marker configured in this agent's catalog");
            }

            CheckDowngrade(command, component.Name);

            foreach (var file in command.Files.Where(f => !store.Contains(f.Digest)))
            {
                throw new AgentException(AgentErrorKind.NotFound, $"blob {file.Digest} for {file.Role} is not staged on this node; stage it first");
            }

            await preflight.CheckAsync(candidate, component, candidate.Files, cancellationToken);
            return candidate;
        });
    }

    public async Task<(T Operation, bool Existing)> RollbackAsync<T>(RollbackCommand command, Func<OperationRecord, T> map, CancellationToken cancellationToken)
    {
        var component = CheckCommon(command.OperationId, command.Component);
        if (command.TargetOperationId is { Length: > 0 } && InputRules.CheckOperationId(command.TargetOperationId) is { } problem)
        {
            throw AgentException.Invalid("target_operation_id", problem);
        }

        var candidate = NewRecord(OpKind.Rollback, command.OperationId, component, command.Fingerprint, CheckTimeout(command.HealthTimeout));
        return await SubmitAsync(candidate, map, async () =>
        {
            var target = FindRollbackTarget(component.Name, command.TargetOperationId);
            var rollback = candidate with
            {
                RollsBack = target.Id,
                ToVersion = target.FromVersion,
                // The journal names roles; where each file goes and its mode come from the catalog.
                Files = target.Files.Select(f => ToFileRecord(component.FindFile(f.Role)
                    ?? throw new AgentException(AgentErrorKind.FailedPrecondition, $"operation {target.Id} changed a {f.Role} file, which {component.Name} no longer has in the catalog; roll back by applying the old artifacts"), f.OldDigest)).ToList(),
                Links = target.Links.Select(Reversed).ToList(),
            };
            foreach (var digest in rollback.Files.Select(f => f.NewDigest).OfType<string>().Where(d => !store.Contains(d)))
            {
                throw new AgentException(AgentErrorKind.FailedPrecondition, $"the old content {digest} of operation {target.Id} is no longer in the store; roll back by applying the old artifacts");
            }

            await preflight.CheckAsync(rollback, component, rollback.Files, cancellationToken);
            return rollback;
        });
    }

    /// <summary>
    /// An explicit rollback puts each link back to the exact target string it had before the apply. The old place is
    /// still there (an apply never writes into it), so nothing is created; the new version's place stays for reuse.
    /// </summary>
    private static LinkRecord Reversed(LinkRecord applied) => new()
    {
        LinkPath = applied.LinkPath,
        IsDirectory = applied.IsDirectory,
        OldTarget = applied.NewTarget,
        NewTarget = applied.OldTarget,
        NewPlace = LinkPlanner.Resolve(applied.LinkPath, applied.OldTarget),
        CreatedPlace = false,
    };

    public Task<(T Operation, bool Existing)> RunActionAsync<T>(ComponentCommand command, Func<OperationRecord, T> map)
    {
        var component = CheckCommon(command.OperationId, command.Component);
        var candidate = NewRecord(command.Kind, command.OperationId, component, command.Fingerprint, CheckTimeout(command.HealthTimeout));
        return SubmitAsync(candidate, map, () => command.Kind == OpKind.ClearMarker ? RequireMarker(component, candidate) : Task.FromResult(candidate));
    }

    public Task<(T Operation, bool Existing)> WriteMarkerAsync<T>(WriteMarkerCommand command, Func<OperationRecord, T> map)
    {
        var component = CheckCommon(command.OperationId, command.Component);
        if (InputRules.CheckVersion(command.TargetVersion) is { } problem)
        {
            throw AgentException.Invalid("target_version", problem);
        }

        if (command.OldVersion is { Length: > 0 } && InputRules.CheckVersion(command.OldVersion) is { } oldProblem)
        {
            throw AgentException.Invalid("old_version", oldProblem);
        }

        var candidate = NewRecord(OpKind.WriteMarker, command.OperationId, component, command.Fingerprint, TimeSpan.Zero) with
        {
            ToVersion = command.TargetVersion,
            Marker = new MarkerRecord { Write = true, OldVersion = string.IsNullOrEmpty(command.OldVersion) ? null : command.OldVersion },
        };
        return SubmitAsync(candidate, map, () => RequireMarker(component, candidate));
    }

    private static Task<OperationRecord> RequireMarker(CatalogComponent component, OperationRecord candidate) => component.Marker is null
        ? throw new AgentException(AgentErrorKind.FailedPrecondition, $"{component.Name} has no marker configured in this agent's catalog")
        : Task.FromResult(candidate);

    /// <summary>Runs an unfinished operation found at start to a terminal state (before the agent reports ready).</summary>
    public Task RecoverAsync(OperationRecord op, CancellationToken cancellationToken) =>
        op.Kind is OpKind.Apply or OpKind.Rollback ? swap.RecoverAsync(op, cancellationToken) : actions.RecoverAsync(op, cancellationToken);

    /// <summary>
    /// Registers <paramref name="candidate"/> (completed by <paramref name="complete"/>, which checks the node's state,
    /// unless the id is already known) and runs it in the background; the caller gets the mapped snapshot.
    /// </summary>
    private async Task<(T Operation, bool Existing)> SubmitAsync<T>(OperationRecord candidate, Func<OperationRecord, T> map, Func<Task<OperationRecord>> complete)
    {
        if (journal.IsQuarantined(candidate.Id))
        {
            throw new AgentException(AgentErrorKind.FailedPrecondition, $"operation id {candidate.Id} belongs to a journal file that could not be read (see agentctl status); choose a new id");
        }

        if (registry.Get(candidate.Id) is null)
        {
            candidate = await complete();
        }

        var (snapshot, wasExisting) = registry.Begin(candidate);
        if (!wasExisting)
        {
            var stopping = lifetime.ApplicationStopping;
            _ = Task.Run(() => RunGuardedAsync(snapshot, stopping), stopping);
        }

        return (map(snapshot), wasExisting);
    }

    /// <summary>
    /// The last line of defence of a background operation: whatever escapes the transaction's own handling (a
    /// journal write that failed, a bug) is logged and the operation is ended loudly instead of staying running.
    /// </summary>
    private async Task RunGuardedAsync(OperationRecord op, CancellationToken stopping)
    {
        try
        {
            await (op.Kind is OpKind.Apply or OpKind.Rollback ? swap.RunAsync(op, stopping) : actions.RunAsync(op, stopping));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            escalation.Escalate(op, ex);
        }
    }

    /// <summary>An older version than the last one this agent installed needs the caller to say so (a replayed old release otherwise).</summary>
    private void CheckDowngrade(ApplyCommand command, string component)
    {
        // After a rollback, what is installed is what that apply replaced: no longer known by version here.
        var succeeded = registry.Query(r => r.Component == component && r.Kind is OpKind.Apply or OpKind.Rollback && r.State == OpState.Succeeded);
        var installed = succeeded.Count > 0 && succeeded[0].Kind == OpKind.Apply ? succeeded[0].ToVersion : null;
        if (!command.AllowDowngrade && installed is { Length: > 0 } && VersionOrder.IsOlder(command.TargetVersion, installed))
        {
            throw new AgentException(AgentErrorKind.FailedPrecondition,
                $"target_version {command.TargetVersion} is older than {installed}, which this agent installed on {component}; a downgrade needs allow_downgrade (admin role only)");
        }
    }

    /// <summary>
    /// The apply to undo: the component's latest succeeded apply that changed files. Rolling back twice is safe:
    /// the second finds the old files already in place and changes nothing.
    /// </summary>
    private OperationRecord FindRollbackTarget(string component, string? targetId)
    {
        var candidates = registry.Query(r => r.Component == component && r.Kind == OpKind.Apply && r.State == OpState.Succeeded && r.Changed);
        var target = string.IsNullOrEmpty(targetId) ? (candidates.Count > 0 ? candidates[0] : null) : candidates.FirstOrDefault(r => r.Id == targetId);
        if (target is null)
        {
            throw new AgentException(AgentErrorKind.FailedPrecondition, string.IsNullOrEmpty(targetId)
                ? $"{component} has no succeeded apply that changed files; there is nothing to roll back"
                : $"operation {targetId} is not a succeeded apply on {component} that changed files");
        }

        if (candidates[0].Id != target.Id)
        {
            throw new AgentException(AgentErrorKind.FailedPrecondition, $"operation {target.Id} is not the latest change on {component} ({candidates[0].Id} is); roll that back first, or apply the old artifacts");
        }

        return target;
    }

    private CatalogComponent CheckCommon(string operationId, string componentName)
    {
        if (InputRules.CheckOperationId(operationId) is { } idProblem)
        {
            throw AgentException.Invalid("operation_id", idProblem);
        }

        if (InputRules.CheckComponentName(componentName) is { } nameProblem)
        {
            throw AgentException.Invalid("component", nameProblem);
        }

        return catalog.Find(componentName)
            ?? throw new AgentException(AgentErrorKind.NotFound, $"component {InputRules.Shorten(componentName)} is not in this agent's catalog; it has {string.Join(", ", catalog.Components.Select(c => c.Name))}");
    }

    private TimeSpan CheckTimeout(TimeSpan? timeout)
    {
        if (timeout is null || timeout == TimeSpan.Zero)
        {
            return TimeSpan.FromSeconds(options.Health.DefaultTimeoutSeconds);
        }

        if (timeout < TimeSpan.Zero || timeout > MaxHealthTimeout)
        {
            throw AgentException.Invalid("health_timeout", $"must be between 0 and {MaxHealthTimeout.TotalMinutes} minutes, not {timeout}");
        }

        return timeout.Value;
    }

    private static OperationRecord NewRecord(OpKind kind, string id, CatalogComponent component, string fingerprint, TimeSpan timeout) => new()
    {
        Id = id,
        Kind = kind,
        Component = component.Name,
        Fingerprint = fingerprint,
        HealthTimeoutSeconds = timeout.TotalSeconds,
    };

    private static FileRecord ToFileRecord(CatalogFile file, string? digest) => new()
    {
        Role = file.Role,
        Path = file.Path,
        NewDigest = digest,
        Mode = (int)file.Mode,
        IsUnit = file.IsUnit,
    };
}
