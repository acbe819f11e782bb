using System.CommandLine;
using System.Text.Json.Nodes;
using NodeAgent.CommandLine;
using NodeAgent.Coordinator.Composition;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Cli;

/// <summary>
/// <c>nodeagent-coordinator validate PLAN</c>: the plan's shape, its source files (present, readable, of the declared
/// size; hashed with --verify-sources) and, where the agents answer, their catalogs against the plan's components.
/// </summary>
internal static class ValidateCommand
{
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(5);

    public static Command Build(CliOptions options)
    {
        var plan = CliOptions.PlanArgument();
        var verifySources = new Option<bool>("--verify-sources") { Description = "Also hash every artifact source file and compare it with its sha256 (rollout always does)" };
        var offline = new Option<bool>("--offline") { Description = "Do not ask the agents whether their catalogs have the plan's components" };
        var command = new Command("validate", "Check a plan; every problem is reported with its line and key.\n\nExample:\n  nodeagent-coordinator validate plan.yaml --verify-sources -o json") { plan, verifySources, offline };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var loaded = CliOptions.LoadPlan(parse, plan);
            var problems = parse.GetValue(verifySources) ? (await SourceDigests.CheckAsync(loaded, cancellationToken)).ToList() : [];
            var unreachable = new List<string>();
            if (!parse.GetValue(offline))
            {
                using var access = AgentAccess.Open(loaded, loaded.Policy with { CallTimeout = AgentTimeout }, retries: 0);
                var catalogs = await new CatalogCheck(loaded, access.Client).RunAsync(cancellationToken);
                problems.AddRange(catalogs.Problems);
                unreachable.AddRange(catalogs.Unreachable);
            }

            if (problems.Count > 0)
            {
                throw new CliFailure(
                    problems.Count == 1 ? problems[0] : $"{problems.Count} problems",
                    ExitCodes.InvalidPlan,
                    "fix each line above, then run validate again",
                    problems.Count == 1 ? null : problems);
            }

            if (options.Machine(parse))
            {
                ResultWriter.Write(parse.InvocationConfiguration.Output, options.Format(parse), new JsonObject
                {
                    ["rollout"] = loaded.Rollout,
                    ["valid"] = true,
                    ["targetVersion"] = loaded.TargetVersion,
                    ["nodes"] = loaded.Inventory.Count,
                    ["artifacts"] = loaded.Artifacts.Count,
                    ["agentsAsked"] = !parse.GetValue(offline),
                    ["notChecked"] = new JsonArray([.. unreachable.Select(u => (JsonNode?)JsonValue.Create(u))]),
                    ["sourceDigestsChecked"] = parse.GetValue(verifySources),
                });
                return ExitCodes.Ok;
            }

            foreach (var node in unreachable)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"not checked: {node}");
            }

            var agents = parse.GetValue(offline) ? "agents not asked" : $"{loaded.Inventory.Count - unreachable.Count} agent catalog(s) checked, {unreachable.Count} unreachable";
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"plan {loaded.Rollout} is valid: {loaded.Inventory.Count} node(s), {loaded.Artifacts.Count} artifact(s), target {loaded.TargetVersion}; {agents}{(parse.GetValue(verifySources) ? "; source digests match" : "")}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
