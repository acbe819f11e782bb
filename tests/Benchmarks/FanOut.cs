using System.Diagnostics;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Plans;

namespace Benchmarks;

/// <summary>One GetInfo to every node over mutual TLS: cold (new channels, TLS handshakes) and warm (the same channels, median of 3).</summary>
internal static class FanOut
{
    public static async Task<FanOutResult> MeasureAsync(Plan plan, int concurrency)
    {
        var before = SettledRssKb();
        using var pool = new AgentClientPool(plan.Policy.Retries, plan.Tls);
        var calls = new GrpcAgentClient(pool, plan.Policy, TimeProvider.System);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var cold = await SweepAsync(plan, calls, concurrency);
        var coldCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        var perAgent = (SettledRssKb() - before) / (double)plan.Inventory.Count;
        var warm = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            warm.Add(await SweepAsync(plan, calls, concurrency));
        }

        return new FanOutResult(cold, coldCpu, warm.Order().ElementAt(1), perAgent);
    }

    private static async Task<double> SweepAsync(Plan plan, IAgentClient calls, int concurrency)
    {
        var watch = Stopwatch.StartNew();
        var failed = 0;
        await Parallel.ForEachAsync(plan.Inventory, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (node, ct) =>
        {
            if (!(await calls.InfoAsync(node, probe: false, ct)).Ok)
            {
                Interlocked.Increment(ref failed);
            }
        });
        return failed == 0 ? watch.Elapsed.TotalMilliseconds : throw new InvalidOperationException($"{failed} node(s) did not answer GetInfo");
    }

    private static long SettledRssKb()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return ProcStatus.OwnKb("VmRSS");
    }
}
