using NodeAgent.Checks;

namespace NodeAgent.Operations;

/// <summary>
/// The journaled state of one operation (<c>journal/&lt;id&gt;.json</c>): an immutable snapshot. A change is a new
/// snapshot made by <see cref="OperationRegistry.Update(string, Func{OperationRecord, OperationRecord})"/>, journaled before it is published.
/// </summary>
internal sealed record OperationRecord
{
    public string Id { get; init; } = "";

    public OpKind Kind { get; init; }

    public string Component { get; init; } = "";

    /// <summary>Hash of the request without its id: the same id with another fingerprint is refused.</summary>
    public string Fingerprint { get; init; } = "";

    public OpState State { get; init; }

    public OpStep Step { get; init; }

    public string Message { get; init; } = "";

    public bool Changed { get; init; }

    public string? FromVersion { get; init; }

    public string? ToVersion { get; init; }

    public IReadOnlyList<FileRecord> Files { get; init; } = [];

    /// <summary>Symlinks of the operator's layout that the swap replaces (empty for plain paths); see <see cref="LinkRecord"/>.</summary>
    public IReadOnlyList<LinkRecord> Links { get; init; } = [];

    public long OldMainPid { get; init; }

    public long NewMainPid { get; init; }

    /// <summary>Set once a restart was issued: an undo must restart the service too.</summary>
    public bool ServiceTouched { get; init; }

    public double HealthTimeoutSeconds { get; init; }

    /// <summary>When health checking gives up; fixed when the restart is done, so that recovery keeps the same deadline.</summary>
    public DateTimeOffset? HealthDeadline { get; init; }

    /// <summary>End of the stability window, fixed when the first healthy answer is journaled; recovery resumes to it.</summary>
    public DateTimeOffset? StableUntil { get; init; }

    public MarkerRecord? Marker { get; init; }

    /// <summary>An apply's wait between healthy and the second connection count (components with CountConnections).</summary>
    public double ConnectionSoakSeconds { get; init; }

    /// <summary>Running containers just before the restart (components with CheckContainers); null until taken or when the runtime did not answer.</summary>
    public IReadOnlyList<ContainerRecord>? ContainersBefore { get; init; }

    /// <summary>The container check: only a problem until the apply is healthy, then the comparison.</summary>
    public ContainerCheckRecord? ContainerCheck { get; init; }

    /// <summary>The connection count: the first figure from the restart, the second once healthy plus the soak.</summary>
    public ConnectionCountRecord? Connections { get; init; }

    public string? RollsBack { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public IReadOnlyList<EventRecord> Events { get; init; } = [];

    /// <summary>The journal's seal over the rest of the record (see <see cref="JournalSeal"/>); null only in memory before the write.</summary>
    public string? Checksum { get; init; }

    public bool IsTerminal => State != OpState.Running;

    public bool HasUnitChange => Files.Any(f => f.IsUnit);
}
