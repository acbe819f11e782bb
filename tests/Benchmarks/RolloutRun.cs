namespace Benchmarks;

/// <summary>One measured rollout: wall seconds, this process's CPU, its peak RSS, the gRPC calls it made, the nodes' outcomes, the wall per phase.</summary>
internal sealed record RolloutRun(double WallS, double CpuMs, long PeakRssKb, long GrpcCalls, int Succeeded, int Failed, Dictionary<string, double> PhasesS);
