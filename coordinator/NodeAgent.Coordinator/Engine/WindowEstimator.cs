using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// The expected window of a plan before it starts: the <see cref="CriticalPath"/> of its policy and inventory, with a
/// node's time per role taken from per-component times when every component of the role has one, else from the last
/// journaled rollout that upgraded nodes of that role (the 95th percentile of their start-to-finish times, so that the
/// slowest node of a batch is not underestimated).
/// </summary>
internal static class WindowEstimator
{
    public static WindowEstimate Estimate(Plan plan, IReadOnlyDictionary<string, TimeSpan> componentTimes, IRolloutJournal? journal)
    {
        var roles = new List<RoleTime>();
        foreach (var role in plan.Inventory.Select(n => n.Role).Distinct(StringComparer.Ordinal))
        {
            var components = plan.Components.GetValueOrDefault(role) ?? [];
            if (components.All(c => componentTimes.ContainsKey(c.Name)))
            {
                var sum = components.Aggregate(TimeSpan.Zero, (total, c) => total + componentTimes[c.Name]);
                roles.Add(new RoleTime(role, sum, $"given: {string.Join(" + ", components.Select(c => $"{c.Name} {componentTimes[c.Name].TotalSeconds:0.#}s"))}"));
            }
            else if (journal is not null && FromJournal(journal, role) is { } journaled)
            {
                roles.Add(journaled);
            }
            else
            {
                var missing = components.Where(c => !componentTimes.ContainsKey(c.Name)).Select(c => c.Name);
                throw new CoordinatorException(
                    $"no time known for the {role} nodes: the journal has no upgraded {role} node; give each component's restart-to-healthy time with --component-time, for example {string.Join(" ", missing.Select(m => $"--component-time {m}=5s"))}");
            }
        }

        var perRole = roles.ToDictionary(r => r.Role, r => r.PerNode, StringComparer.Ordinal);
        return new WindowEstimate(CriticalPath.Of(plan, node => perRole[node.Role]), roles);
    }

    private static RoleTime? FromJournal(IRolloutJournal journal, string role)
    {
        foreach (var rollout in journal.All())
        {
            var times = journal.Nodes(rollout.Id)
                .Where(n => n.Role == role && NodeStates.IsDone(n.State) && n.StartedAt is not null && n.FinishedAt is not null)
                .Select(n => (n.FinishedAt!.Value - n.StartedAt!.Value).TotalSeconds)
                .Order()
                .ToList();
            if (times.Count > 0)
            {
                var p95 = times[Math.Clamp((int)Math.Ceiling(0.95 * times.Count) - 1, 0, times.Count - 1)];
                return new RoleTime(role, TimeSpan.FromSeconds(p95), $"p95 of {times.Count} {role} node(s) of rollout {rollout.Id}");
            }
        }

        return null;
    }
}
