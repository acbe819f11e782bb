using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Plans;
using SimFleet;

namespace Benchmarks;

/// <summary>
/// Every successful apply of the rollout as its agent recorded it (created to finished), split into the service's
/// own restart-to-healthy time (drawn by the simulation) and the rest: the agent's overhead.
/// </summary>
internal sealed record ApplyTimes(IReadOnlyList<double> ApplyMs, IReadOnlyList<double> ServiceMs, IReadOnlyList<double> OverheadMs)
{
    public static async Task<ApplyTimes> ReadAsync(Plan plan, AgentClientPool pool, SimTimings timings)
    {
        var apply = new List<double>();
        var service = new List<double>();
        var overhead = new List<double>();
        await Parallel.ForEachAsync(plan.Inventory, new ParallelOptions { MaxDegreeOfParallelism = 100 }, async (node, ct) =>
        {
            var result = await pool.For(node).ListOperationsAsync(new ListOperationsRequest(), deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(1), cancellationToken: ct);
            foreach (var op in result.Operations.Where(o => o.Kind == OperationKind.Apply && o.State == OperationState.Succeeded && o.Changed))
            {
                var ms = (op.FinishedAt.ToDateTimeOffset() - op.CreatedAt.ToDateTimeOffset()).TotalMilliseconds;
                var drawn = timings.RestartToHealthy(node.Name, op.Component, 1).TotalMilliseconds;
                lock (apply)
                {
                    apply.Add(ms);
                    service.Add(drawn);
                    overhead.Add(ms - drawn);
                }
            }
        });
        return new ApplyTimes(apply, service, overhead);
    }

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
