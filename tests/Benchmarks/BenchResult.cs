using System.Text.Json.Serialization;

namespace Benchmarks;

/// <summary>The JSON line <c>nodeagent-bench rollout</c> prints last; times in seconds or milliseconds as named.</summary>
internal sealed record BenchResult(
    string Date,
    double LoadAvg1m,
    int Nodes,
    double ServiceTime,
    int Seed,
    string Policy,
    int Succeeded,
    int Failed,
    double StageS,
    double WallS,
    double IdealS,
    double WallOverIdeal,
    Dictionary<string, double> PhasesS,
    double CoordinatorCpuMsPerNode,
    double CoordinatorPeakRssMb,
    double CoordinatorRssKbPerAgent,
    double ApplyP50Ms,
    double ApplyP99Ms,
    double AgentOverheadP50Ms,
    double AgentOverheadP99Ms,
    double ServiceP50Ms,
    double ServiceP99Ms,
    long GrpcCalls,
    double FanoutColdMs,
    double FanoutColdCpuMs,
    double FanoutWarmMs,
    double FleetRssMb,
    double FleetKbPerNode,
    int AnsibleNodes,
    double? AnsibleWallS,
    double? AnsibleSPerNode,
    double? OursAtAnsibleSizeWallS,
    double? SpeedupVsAnsible,
    double? SpeedupPerNodeAtScale);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BenchResult))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
