using NodeAgent.Checks;

namespace NodeAgent.Operations;

internal enum OpKind
{
    Apply,
    Rollback,
    Restart,
    Stop,
    Start,
    Backup,
    WriteMarker,
    ClearMarker,
}

internal enum OpState
{
    Running,
    Succeeded,
    Failed,
    RolledBack,
    RollbackFailed,
}

/// <summary>
/// Journaled steps, in order. A recorded step means it is done, except <see cref="Swapping"/>,
/// <see cref="Restarting"/> and <see cref="RollingBack"/>, which mean "begun, may be partly done", and
/// <see cref="Healthy"/>, which means "first healthy answer seen, stability window running until StableUntil".
/// </summary>
internal enum OpStep
{
    Accepted,
    Prepared,
    BackedUp,
    Written,
    MarkerWritten,
    Swapping,
    Swapped,
    Reloaded,
    Restarting,
    Restarted,
    Healthy,
    Stable,
    RollingBack,
    Restored,
    Done,
}

/// <summary>One file of a swap: where, what was there, what goes there.</summary>
internal sealed class FileRecord
{
    public string Role { get; set; } = "";

    public string Path { get; set; } = "";

    /// <summary>Digest before the swap; null when the file did not exist.</summary>
    public string? OldDigest { get; set; }

    /// <summary>Digest after the swap; null when the swap removes the file.</summary>
    public string? NewDigest { get; set; }

    public int Mode { get; set; }

    public bool IsUnit { get; set; }
}

/// <summary>What the marker looked like before an operation wrote it, so that an undo can put it back.</summary>
internal sealed class MarkerRecord
{
    public bool Write { get; set; }

    public string? OldVersion { get; set; }

    public bool PreviouslyPresent { get; set; }

    public string? PreviousContentBase64 { get; set; }
}

internal sealed class EventRecord
{
    public long Sequence { get; set; }

    public DateTimeOffset Time { get; set; }

    public OpState State { get; set; }

    public OpStep Step { get; set; }

    public string Message { get; set; } = "";
}

/// <summary>The journaled state of one operation (<c>journal/&lt;id&gt;.json</c>), mutated only through the registry.</summary>
internal sealed class OperationRecord
{
    public string Id { get; set; } = "";

    public OpKind Kind { get; set; }

    public string Component { get; set; } = "";

    /// <summary>Hash of the request without its id: the same id with another fingerprint is refused.</summary>
    public string Fingerprint { get; set; } = "";

    public OpState State { get; set; }

    public OpStep Step { get; set; }

    public string Message { get; set; } = "";

    public bool Changed { get; set; }

    public string? FromVersion { get; set; }

    public string? ToVersion { get; set; }

    public List<FileRecord> Files { get; set; } = [];

    /// <summary>Symlinks of the operator's layout that the swap replaces (empty for plain paths); see <see cref="LinkRecord"/>.</summary>
    public List<LinkRecord> Links { get; set; } = [];

    public long OldMainPid { get; set; }

    public long NewMainPid { get; set; }

    /// <summary>Set once a restart was issued: an undo must restart the service too.</summary>
    public bool ServiceTouched { get; set; }

    public double HealthTimeoutSeconds { get; set; }

    /// <summary>When health checking gives up; fixed when the restart is done, so that recovery keeps the same deadline.</summary>
    public DateTimeOffset? HealthDeadline { get; set; }

    /// <summary>End of the stability window, fixed when the first healthy answer is journaled; recovery resumes to it.</summary>
    public DateTimeOffset? StableUntil { get; set; }

    public MarkerRecord? Marker { get; set; }

    /// <summary>An apply's wait between healthy and the second connection count (components with CountConnections).</summary>
    public double ConnectionSoakSeconds { get; set; }

    /// <summary>Running containers just before the restart (components with CheckContainers); null until taken or when the runtime did not answer.</summary>
    public List<ContainerRecord>? ContainersBefore { get; set; }

    /// <summary>The container check: only a problem until the apply is healthy, then the comparison.</summary>
    public ContainerCheckRecord? ContainerCheck { get; set; }

    /// <summary>The connection count: the first figure from the restart, the second once healthy plus the soak.</summary>
    public ConnectionCountRecord? Connections { get; set; }

    public string? RollsBack { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public List<EventRecord> Events { get; set; } = [];

    public bool IsTerminal => State != OpState.Running;

    public bool HasUnitChange => Files.Any(f => f.IsUnit);
}
