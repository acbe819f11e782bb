using System.CommandLine;
using NodeAgent.Coordinator.Demo;

namespace NodeAgent.Coordinator.Cli;

/// <summary>The command tree. Tests build it and invoke it with captured output.</summary>
internal static class CoordinatorCli
{
    public static RootCommand Build()
    {
        var options = new CliOptions();
        var root = new RootCommand("nodeagent-coordinator: roll a Kubernetes upgrade across a fleet of node agents");
        root.Options.Add(options.Journal);
        root.Options.Add(options.Output);
        root.Subcommands.Add(ValidateCommand.Build(options));
        root.Subcommands.Add(SignCommand.Build());
        root.Subcommands.Add(PlanCommand.Build(options));
        root.Subcommands.Add(StageCommand.Build(options));
        root.Subcommands.Add(InventoryCommand.Build());
        root.Subcommands.Add(RolloutCommand.Build(options));
        root.Subcommands.Add(StatusCommand.Build(options));
        root.Subcommands.Add(ControlCommand.Build(options, "pause", "Pause a running rollout before its next node"));
        root.Subcommands.Add(ControlCommand.Build(options, "resume", "Resume a paused rollout"));
        root.Subcommands.Add(ControlCommand.Build(options, "abort", "Stop a rollout before its next node (nodes in flight finish)"));
        root.Subcommands.Add(DemoCommand.Build());
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"nodeagent-coordinator: {problem.Message}");
            }

            return ExitCodes.InvalidPlan;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }
}
