using System.CommandLine;
using System.Text.Json.Nodes;
using NodeAgent.CommandLine;

namespace NodeAgent.Coordinator.Cli;

/// <summary><c>nodeagent-coordinator validate PLAN</c></summary>
internal static class ValidateCommand
{
    public static Command Build(CliOptions options)
    {
        var plan = CliOptions.PlanArgument();
        var command = new Command("validate", "Check a plan; every problem is reported with its line and key.\n\nExample:\n  nodeagent-coordinator validate plan.yaml -o json") { plan };
        command.SetAction(parse =>
        {
            var loaded = CliOptions.LoadPlan(parse, plan);
            if (options.Machine(parse))
            {
                ResultWriter.Write(parse.InvocationConfiguration.Output, options.Format(parse), new JsonObject
                {
                    ["rollout"] = loaded.Rollout,
                    ["valid"] = true,
                    ["targetVersion"] = loaded.TargetVersion,
                    ["nodes"] = loaded.Inventory.Count,
                    ["artifacts"] = loaded.Artifacts.Count,
                });
                return ExitCodes.Ok;
            }

            parse.InvocationConfiguration.Output.WriteLine($"plan {loaded.Rollout} is valid: {loaded.Inventory.Count} node(s), {loaded.Artifacts.Count} artifact(s), target {loaded.TargetVersion}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
