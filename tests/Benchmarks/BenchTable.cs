using System.Globalization;

namespace Benchmarks;

/// <summary>The human table of a rollout benchmark, printed before its JSON line.</summary>
internal static class BenchTable
{
    public static void Print(BenchResult r)
    {
        var rows = new (string, string)[]
        {
            ("date, load (1 min)", $"{r.Date}, {r.LoadAvg1m:0.0} on {Environment.ProcessorCount} cores"),
            ("nodes, policy", $"{r.Nodes}, {r.Policy}, service time x{r.ServiceTime}"),
            ("outcome", $"{r.Succeeded} succeeded, {r.Failed} failed"),
            ("staging (before the window)", $"{r.StageS} s"),
            ("rollout wall / ideal", $"{r.WallS} s / {r.IdealS} s = {r.WallOverIdeal}"),
            ("wall per phase", string.Join(", ", r.PhasesS.Select(p => $"{p.Key} {p.Value} s"))),
            ("coordinator CPU per node", $"{r.CoordinatorCpuMsPerNode} ms"),
            ("coordinator peak RSS", $"{r.CoordinatorPeakRssMb} MB, {r.CoordinatorRssKbPerAgent} KB per agent channel"),
            ("apply p50 / p99", $"{r.ApplyP50Ms} / {r.ApplyP99Ms} ms (agent {r.AgentOverheadP50Ms} / {r.AgentOverheadP99Ms}, service {r.ServiceP50Ms} / {r.ServiceP99Ms})"),
            ("gRPC calls (rollouts)", $"{r.GrpcCalls}"),
            ("fan-out GetInfo, mTLS", $"cold {r.FanoutColdMs} ms ({r.FanoutColdCpuMs} ms coordinator CPU), warm {r.FanoutWarmMs} ms"),
            ("fleet memory", $"{r.FleetRssMb} MB, {r.FleetKbPerNode} KB per simulated node"),
            ("Ansible", r.AnsibleWallS is null ? "not run" : $"{r.AnsibleNodes} nodes in {r.AnsibleWallS} s ({r.AnsibleSPerNode} s per node); ours {r.OursAtAnsibleSizeWallS} s: {r.SpeedupVsAnsible}x, per node at scale {r.SpeedupPerNodeAtScale}x"),
        };
        foreach (var (name, value) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-30} {value}"));
        }
    }
}
