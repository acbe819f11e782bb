namespace NodeAgent.Coordinator.Distribution;

/// <summary>The model's prediction: when the last node holds the blob, what the origin sent, and how deep the tree grew.</summary>
internal sealed record ModelResult(int Nodes, long Size, double WallSeconds, double OneTransferSeconds, long OriginEgressBytes, long TotalBytesMoved, int MaxDepth)
{
    public double WallOverOneTransfer => WallSeconds / OneTransferSeconds;

    public double OriginEgressRatio => (double)OriginEgressBytes / Size;
}
