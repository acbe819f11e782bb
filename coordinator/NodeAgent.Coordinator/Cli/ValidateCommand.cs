using System.CommandLine;

namespace NodeAgent.Coordinator.Cli;

/// <summary><c>nodeagent-coordinator validate PLAN</c></summary>
internal static class ValidateCommand
{
    public static Command Build(CliOptions options)
    {
        var plan = CliOptions.PlanArgument();
        var command = new Command("validate", "Check a plan; every problem is reported with its line and key") { plan };
        command.SetAction(parse =>
        {
            var loaded = CliOptions.LoadPlan(parse, plan);
            if (loaded is null)
            {
                return ExitCodes.InvalidPlan;
            }

            parse.InvocationConfiguration.Output.WriteLine($"plan {loaded.Rollout} is valid: {loaded.Inventory.Count} node(s), {loaded.Artifacts.Count} artifact(s), target {loaded.TargetVersion}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
