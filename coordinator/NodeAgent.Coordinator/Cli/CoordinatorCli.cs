using System.CommandLine;
using NodeAgent.CommandLine;

namespace NodeAgent.Coordinator.Cli;

/// <summary>The command tree. Tests build it and invoke it with captured output.</summary>
internal static class CoordinatorCli
{
    public const string Program = "nodeagent-coordinator";

    public static RootCommand Build()
    {
        var options = new CliOptions();
        var root = new RootCommand("nodeagent-coordinator: roll a Kubernetes upgrade across a fleet of node agents");
        root.Options.Add(options.LegacyJournal);
        var validate = ValidateCommand.Build(options);
        var plan = PlanCommand.Build(options);
        var stage = StageCommand.Build(options);
        var rollout = RolloutCommand.Build(options);
        var status = StatusCommand.Build(options);
        var version = VersionCommand.Build(options);
        var controls = new[]
        {
            ControlCommand.Build(options, "pause", "Pause a running rollout before its next node"),
            ControlCommand.Build(options, "resume", "Resume a paused rollout"),
            ControlCommand.Build(options, "abort", "Stop a rollout before its next node (nodes in flight finish)"),
        };
        foreach (var command in controls.Prepend(status).Prepend(rollout).Prepend(plan))
        {
            command.Options.Add(options.Journal);
            command.Options.Add(options.EtcdCaCert);
            command.Options.Add(options.EtcdCert);
            command.Options.Add(options.EtcdKey);
        }

        foreach (var command in controls.Concat([validate, plan, stage, rollout, status, version]))
        {
            command.Options.Add(options.Output);
        }

        foreach (var command in new[] { validate, SignCommand.Build(), plan, stage, InventoryCommand.Build(), rollout, status }.Concat(controls))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(JournalCommand.Build(options));
        root.Subcommands.Add(version);
        root.Subcommands.Add(DemoCommand.Build());
        root.Subcommands.Add(CompletionScript.Command(Program, Build));
        return root;
    }

    /// <summary>Runs a command line; a <see cref="CoordinatorException"/> that reaches here is one line and exit code 4 (refused).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        CliRunner.RunAsync(Build(), Program, new CliExitCodes(ExitCodes.InvalidPlan, ExitCodes.RolloutFailed, ExitCodes.Internal), args, output, error, cancellationToken, Refused);

    private static CliFailure? Refused(Exception exception) =>
        exception is CoordinatorException refused ? new CliFailure(refused.Message, ExitCodes.Refused) : null;
}
