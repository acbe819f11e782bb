namespace Benchmarks;

/// <summary>One measured rollout: wall seconds, this process's CPU, its peak RSS, the gRPC calls it made, the nodes' outcomes.</summary>
internal sealed record RolloutRun(double WallS, double CpuMs, long PeakRssKb, long GrpcCalls, int Succeeded, int Failed);
