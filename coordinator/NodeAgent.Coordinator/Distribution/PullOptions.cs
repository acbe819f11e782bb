namespace NodeAgent.Coordinator.Distribution;

/// <summary>
/// <c>stage --distribute</c>: agents pull from <see cref="OriginBase"/> (an artifact with a local source is
/// fetched at OriginBase + its file name; one with a URL source at that URL) and from each other.
/// </summary>
internal sealed record PullOptions(string OriginBase, DistributionLimits Limits)
{
    public string UrlOf(Plans.PlanArtifact artifact) =>
        artifact.FromUrl ? artifact.Source : OriginBase.TrimEnd('/') + "/" + Uri.EscapeDataString(Path.GetFileName(artifact.Source));
}
