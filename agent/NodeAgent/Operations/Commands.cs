namespace NodeAgent.Operations;

/// <summary>A target file of an apply: a catalog role and the digest of a staged blob.</summary>
internal sealed record TargetFile(string Role, string Digest);

/// <summary>An apply as the domain sees it. <see cref="Fingerprint"/> identifies the request without its id.</summary>
internal sealed record ApplyCommand(
    string OperationId,
    string Component,
    IReadOnlyList<TargetFile> Files,
    string TargetVersion,
    bool WriteMarker,
    string? MarkerOldVersion,
    TimeSpan? HealthTimeout,
    TimeSpan? ConnectionSoak,
    string Fingerprint,
    bool AllowDowngrade = false);

internal sealed record RollbackCommand(string OperationId, string Component, string? TargetOperationId, TimeSpan? HealthTimeout, string Fingerprint);

/// <summary>Restart, stop, start, backup and clear-marker: an id, a component, and for some a health timeout.</summary>
internal sealed record ComponentCommand(OpKind Kind, string OperationId, string Component, TimeSpan? HealthTimeout, string Fingerprint);

internal sealed record WriteMarkerCommand(string OperationId, string Component, string? OldVersion, string TargetVersion, string Fingerprint);
