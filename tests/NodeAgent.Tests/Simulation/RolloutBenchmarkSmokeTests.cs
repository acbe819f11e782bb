using System.Text.Json;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Simulation;

/// <summary>
/// The rollout benchmark end to end at 200 nodes (short soak, services 5x faster than the realistic profile): it runs,
/// and its last line is one JSON object whose figures are sane (the wall per phase adds up to the wall). It checks no timing goal: that is the benchmark's job.
/// </summary>
[Trait("Category", "Simulation")]
public sealed class RolloutBenchmarkSmokeTests
{
    [SkippableFact]
    public async Task Rollout_TwoHundredSimulatedNodes_PrintsOneSaneJsonLine()
    {
        Skip.IfNot(Directory.Exists("/proc/self"), "the benchmark reads /proc (Linux only)");
        await using var bench = DotnetProcess.Start(
            "nodeagent-bench.dll",
            ["rollout", "--nodes", "200", "--service-time", "0.2", "--soak", "1", "--ansible-nodes", "0"],
            project: "tests/Benchmarks");

        var exited = await bench.WaitForExitAsync(TimeSpan.FromMinutes(5));

        Assert.True(exited, "the benchmark did not finish within 5 minutes:\n" + bench.Output);
        Assert.True(bench.ExitCode == 0, $"exit code {bench.ExitCode}:\n{bench.Output}");
        var last = bench.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last(l => l.StartsWith('{'));
        using var json = JsonDocument.Parse(last);
        var r = json.RootElement;
        Assert.Equal(200, r.GetProperty("nodes").GetInt32());
        Assert.Equal(200, r.GetProperty("succeeded").GetInt32());
        Assert.Equal(0, r.GetProperty("failed").GetInt32());
        Assert.True(r.GetProperty("ideal_s").GetDouble() > 0);
        Assert.True(r.GetProperty("wall_s").GetDouble() >= r.GetProperty("ideal_s").GetDouble() * 0.99, last);
        var phases = r.GetProperty("phases_s").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        Assert.Equal(["takeover", "preflight", "canary", "workers", "verify"], phases.Keys);
        Assert.InRange(phases.Values.Sum(), r.GetProperty("wall_s").GetDouble() - 0.5, r.GetProperty("wall_s").GetDouble() + 0.5);
        Assert.True(r.GetProperty("grpc_calls").GetInt64() >= 200 * 2, last);
        Assert.True(r.GetProperty("apply_p50_ms").GetDouble() >= r.GetProperty("service_p50_ms").GetDouble(), last);
        Assert.True(r.GetProperty("coordinator_cpu_ms_per_node").GetDouble() > 0, last);
        Assert.True(r.GetProperty("coordinator_peak_rss_mb").GetDouble() > 0, last);
        Assert.True(r.GetProperty("fanout_cold_ms").GetDouble() > 0 && r.GetProperty("fanout_warm_ms").GetDouble() > 0, last);
        Assert.True(r.GetProperty("fleet_kb_per_node").GetDouble() > 0, last);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("ansible_wall_s").ValueKind);
    }
}
