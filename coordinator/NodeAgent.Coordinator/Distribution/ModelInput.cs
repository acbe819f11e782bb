namespace NodeAgent.Coordinator.Distribution;

/// <summary>
/// What the distribution model simulates: <see cref="Nodes"/> nodes fetching <see cref="Size"/> bytes in chunks of
/// <see cref="ChunkSize"/>, each receiving at most <see cref="FetchRate"/> and sending at most <see cref="ServeRate"/>
/// bytes/s (a holder's send rate is shared by its peers), the origin sending <see cref="OriginRate"/> bytes/s in all,
/// and <see cref="HopLatency"/> seconds before a chunk a holder verified starts towards its peer.
/// </summary>
internal sealed record ModelInput(int Nodes, long Size, int ChunkSize, double FetchRate, double ServeRate, double OriginRate, double HopLatency, DistributionLimits Limits);
