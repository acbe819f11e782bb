using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// The critical path of a plan's node phases, walked the way <see cref="RolloutEngine"/> walks them: control-plane
/// canaries one at a time, then the worker canaries together, the soak, the rest of the control plane one at a time,
/// then each worker batch (at most maxConcurrency nodes at once, the next node taking the first free slot) with the
/// soak between batches. Given each node's restart-to-healthy time, it is the shortest the window can be.
/// </summary>
internal static class CriticalPath
{
    public static CriticalPathParts Of(Plan plan, Func<PlanNode, TimeSpan> nodeTime)
    {
        var concurrency = plan.Policy.MaxConcurrency;
        var canaries = plan.Runs(Phases.Canary) ? BatchPlanner.Canaries(plan) : [];
        var canary = Sum(canaries.Where(n => n.Role == Roles.ControlPlane).Select(nodeTime))
            + Slots(canaries.Where(n => n.Role == Roles.Worker).Select(nodeTime), concurrency);
        var soak = canaries.Count > 0 ? plan.Policy.SoakAfterCanary : TimeSpan.Zero;
        var controlPlane = plan.Runs(Phases.ControlPlane)
            ? Sum(plan.Inventory.Where(n => n.Role == Roles.ControlPlane && !canaries.Contains(n)).Select(nodeTime))
            : TimeSpan.Zero;
        var batches = plan.Runs(Phases.Workers)
            ? BatchPlanner.WorkerBatches(plan, plan.Inventory.Where(n => n.Role == Roles.Worker && !canaries.Contains(n)))
            : [];
        var workers = Sum(batches.Select(batch => Slots(batch.Select(nodeTime), concurrency)));
        if (batches.Count > 1)
        {
            workers += plan.Policy.SoakBetweenBatches * (batches.Count - 1);
        }

        return new CriticalPathParts(canary, soak, controlPlane, workers, batches.Count);
    }

    /// <summary>When the last of <paramref name="times"/> ends, started in order on <paramref name="concurrency"/> slots.</summary>
    public static TimeSpan Slots(IEnumerable<TimeSpan> times, int concurrency)
    {
        var free = new PriorityQueue<TimeSpan, TimeSpan>();
        var end = TimeSpan.Zero;
        foreach (var time in times)
        {
            var start = free.Count < Math.Max(1, concurrency) ? TimeSpan.Zero : free.Dequeue();
            var finish = start + time;
            free.Enqueue(finish, finish);
            end = finish > end ? finish : end;
        }

        return end;
    }

    private static TimeSpan Sum(IEnumerable<TimeSpan> times) => times.Aggregate(TimeSpan.Zero, (total, time) => total + time);
}
