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
        var perNode = await NodeAgent.Client.Concurrency.FanOut.RunAsync(plan.Inventory, 100, async (node, ct) =>
        {
            var result = await pool.For(node).ListOperationsAsync(new ListOperationsRequest(), deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(1), cancellationToken: ct);
            return result.Operations
                .Where(o => o.Kind == OperationKind.Apply && o.State == OperationState.Succeeded && o.Changed)
                .Select(op => (Ms: (op.FinishedAt.ToDateTimeOffset() - op.CreatedAt.ToDateTimeOffset()).TotalMilliseconds, Drawn: timings.RestartToHealthy(node.Name, op.Component, 1).TotalMilliseconds))
                .ToList();
        }, CancellationToken.None);
        var all = perNode.SelectMany(n => n).ToList();
        var apply = all.Select(a => a.Ms).ToList();
        var service = all.Select(a => a.Drawn).ToList();
        var overhead = all.Select(a => a.Ms - a.Drawn).ToList();
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
