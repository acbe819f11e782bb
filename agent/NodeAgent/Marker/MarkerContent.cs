namespace NodeAgent.Marker;

/// <summary>What the hash-skip marker file holds (see the README for both formats).</summary>
internal sealed record MarkerContent(string OldVersion, DateTimeOffset UpgradeStartedAt, string TargetVersion, string OperationId);
