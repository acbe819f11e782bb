namespace NodeAgent.Coordinator.Distribution;

/// <summary>What one artifact's distribution moved: bytes from the origin and from peers, sources that failed or lied.</summary>
internal sealed record PullSummary(string Artifact, long Size, int Nodes, long OriginBytes, long PeerBytes, int Repicks, IReadOnlyList<string> Liars, double Seconds)
{
    public double OriginEgressRatio => Size == 0 ? 0 : (double)OriginBytes / Size;
}
