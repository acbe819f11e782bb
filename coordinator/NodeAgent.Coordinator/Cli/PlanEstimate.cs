using System.CommandLine;
using System.Text.Json.Nodes;
using NodeAgent.CommandLine;
using NodeAgent.Contracts.Text;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Cli;

/// <summary>
/// <c>plan PLAN --estimate</c>: the expected window of the plan, before it starts and without calling any agent, so that
/// an operator knows whether it fits the change window.
/// </summary>
internal static class PlanEstimate
{
    public static Option<bool> EstimateOption() => new("--estimate")
    {
        Description = "Print the expected window (critical path of the policy, from the last rollout's node times in the journal or --component-time) instead of asking the agents",
    };

    public static Option<string[]> ComponentTimeOption() => new("--component-time")
    {
        Description = "A component's restart-to-healthy time for --estimate, for example kubelet=5s (repeatable; overrides the journal)",
        AllowMultipleArgumentsPerToken = true,
    };

    public static int Run(ParseResult parse, CliOptions options, Plan plan, Option<string[]> componentTime)
    {
        var times = ParseTimes(parse.GetValue(componentTime) ?? []);
        using var journal = options.EtcdJournal(parse) is not null || File.Exists(options.JournalPath(parse)) ? options.OpenExistingJournal(parse) : null;
        WindowEstimate estimate;
        try
        {
            estimate = WindowEstimator.Estimate(plan, times, journal);
        }
        catch (CoordinatorException ex)
        {
            throw new CliFailure(ex.Message, ExitCodes.InvalidPlan);
        }

        var path = estimate.Path;
        var output = parse.InvocationConfiguration.Output;
        if (options.Machine(parse))
        {
            var roles = new JsonArray([.. estimate.Roles.Select(r => (JsonNode)new JsonObject { ["role"] = r.Role, ["perNodeSeconds"] = r.PerNode.TotalSeconds, ["source"] = r.Source })]);
            ResultWriter.Write(output, options.Format(parse), new JsonObject
            {
                ["rollout"] = plan.Rollout,
                ["nodes"] = plan.Inventory.Count,
                ["canarySeconds"] = path.Canary.TotalSeconds,
                ["soakSeconds"] = path.Soak.TotalSeconds,
                ["controlPlaneSeconds"] = path.ControlPlane.TotalSeconds,
                ["workersSeconds"] = path.Workers.TotalSeconds,
                ["batches"] = path.Batches,
                ["totalSeconds"] = path.Total.TotalSeconds,
                ["roles"] = roles,
            });
            return ExitCodes.Ok;
        }

        foreach (var role in estimate.Roles)
        {
            output.WriteLine($"{role.Role} node: {DurationText.Format(role.PerNode)} ({role.Source})");
        }

        output.WriteLine($"canary {DurationText.Format(path.Canary)} + soak {DurationText.Format(path.Soak)} + control plane {DurationText.Format(path.ControlPlane)} + workers {DurationText.Format(path.Workers)} ({path.Batches} batch(es), at most {plan.Policy.MaxConcurrency} at once)");
        output.WriteLine($"expected window for {plan.Inventory.Count} node(s): {DurationText.Format(path.Total)} at best (calls, checks and retries add to it; the benchmark measures how much)");
        return ExitCodes.Ok;
    }

    private static Dictionary<string, TimeSpan> ParseTimes(IEnumerable<string> values)
    {
        var times = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var parts = value.Split('=', 2);
            if (parts.Length != 2 || parts[0].Length == 0 || !DurationText.TryParse(parts[1], out var time, out _))
            {
                throw new CliFailure($"--component-time {value}: expected COMPONENT=DURATION, for example kubelet=5s", ExitCodes.InvalidPlan);
            }

            times[parts[0]] = time;
        }

        return times;
    }
}
