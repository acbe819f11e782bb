namespace NodeAgent.Coordinator.Distribution;

/// <summary>
/// How wide the distribution tree is: peers one holder serves at once, streams the origin serves at once, and how
/// often one node may re-pick a source before it is given up.
/// </summary>
internal sealed record DistributionLimits(int PeersPerHolder = 2, int OriginStreams = 2, int MaxAttempts = 8)
{
    public static DistributionLimits Default { get; } = new();
}
