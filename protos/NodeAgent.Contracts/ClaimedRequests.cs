namespace NodeAgent.Contracts.V1;

/// <summary>A mutating request that may carry the claim of the rollout it acts for (see claims.proto).</summary>
public interface IClaimedRequest
{
    /// <summary>The rollout, journal and fencing number the call acts for; null when the caller is not a rollout.</summary>
    ClaimRef Claim { get; }
}

public sealed partial class ApplyRequest : IClaimedRequest;

public sealed partial class RollbackRequest : IClaimedRequest;

public sealed partial class RestartComponentRequest : IClaimedRequest;

public sealed partial class StopComponentRequest : IClaimedRequest;

public sealed partial class StartComponentRequest : IClaimedRequest;

public sealed partial class BackupRequest : IClaimedRequest;
