using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.Client.Concurrency;
using NodeAgent.CommandLine;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Composition;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Cli;

/// <summary>What a rollout would do to one component of one node.</summary>
internal sealed record PlannedChange(string Node, string Component, string FromVersion, string ToVersion, string Change, IReadOnlyList<string> Files);

/// <summary><c>nodeagent-coordinator plan PLAN</c>: asks every agent and prints what would change; changes nothing.</summary>
internal static class PlanCommand
{
    public static Command Build(CliOptions options)
    {
        var planArgument = CliOptions.PlanArgument();
        var estimate = PlanEstimate.EstimateOption();
        var componentTime = PlanEstimate.ComponentTimeOption();
        var command = new Command("plan", "Show, per node, what the rollout would change and what it would not touch; changes nothing.\n\nExamples:\n  nodeagent-coordinator plan plan.yaml -o wide\n  nodeagent-coordinator plan plan.yaml --estimate --component-time kubelet=5s --component-time kube-proxy=2s")
        {
            planArgument, estimate, componentTime,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var plan = CliOptions.LoadPlan(parse, planArgument);
            if (parse.GetValue(estimate))
            {
                return PlanEstimate.Run(parse, options, plan, componentTime);
            }

            using var agents = AgentAccess.Open(plan);
            var changes = (await FanOut.RunAsync(plan.Inventory, plan.Policy.MaxConcurrency, (node, ct) => DescribeAsync(plan, agents.Client, node, options.Format(parse) == OutputFormat.Wide, ct), cancellationToken)).SelectMany(c => c).ToList();
            var unreachable = changes.Count(c => c.Change == "unreachable");
            var ordered = changes.OrderBy(c => c.Node, StringComparer.Ordinal).ThenBy(c => c.Component, StringComparer.Ordinal).ToList();
            var output = parse.InvocationConfiguration.Output;
            if (options.Machine(parse))
            {
                ResultWriter.Write(output, options.Format(parse), JsonSerializer.SerializeToNode(ordered, PlanJsonContext.Default.ListPlannedChange));
            }
            else
            {
                foreach (var change in ordered)
                {
                    output.WriteLine($"{change.Node,-24} {change.Component,-24} {change.FromVersion,-10} -> {change.ToVersion,-10} {change.Change}{(change.Files.Count > 0 ? "  " + string.Join(", ", change.Files) : "")}");
                }

                output.WriteLine($"{ordered.Count(c => c.Change == "will change")} component(s) will change, {ordered.Count(c => c.Change == "already at target")} already at target, {unreachable} node(s) unreachable");
            }

            return unreachable == 0 ? ExitCodes.Ok : ExitCodes.NodesFailed;
        });
        return command;
    }

    private static async Task<List<PlannedChange>> DescribeAsync(Plan plan, IAgentClient calls, PlanNode node, bool wide, CancellationToken cancellationToken)
    {
        var info = await calls.InfoAsync(node, probe: false, cancellationToken);
        if (!info.Ok)
        {
            return [new PlannedChange(node.Name, "-", "", "", "unreachable", [info.Error!])];
        }

        var result = new List<PlannedChange>();
        foreach (var status in info.Value!.Components)
        {
            var planned = plan.ComponentsOf(node).FirstOrDefault(c => c.Name == status.Name);
            if (planned is null)
            {
                result.Add(new PlannedChange(node.Name, status.Name, status.Version, status.Version, "not touched", []));
                continue;
            }

            var files = planned.Files.Select(f =>
            {
                var current = status.Files.FirstOrDefault(c => c.Role == f.Key)?.Sha256 ?? "";
                var target = plan.Artifact(f.Value).Sha256;
                return (Role: f.Key, Current: current, Target: target);
            }).ToList();
            var changing = files.Where(f => f.Current != f.Target).Select(f => $"{f.Role} {Short(f.Current, wide)} -> {Short(f.Target, wide)}").ToList();
            result.Add(new PlannedChange(node.Name, planned.Name, status.Version, plan.TargetVersion, changing.Count == 0 ? "already at target" : "will change", changing));
        }

        return result;
    }

    private static string Short(string digest, bool wide) => digest.Length == 0 ? "(none)" : wide ? digest : digest[..Math.Min(12, digest.Length)];
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<PlannedChange>))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
