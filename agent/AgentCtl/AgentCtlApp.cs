using System.CommandLine;
using AgentCtl.Commands;
using NodeAgent.CommandLine;

namespace AgentCtl;

/// <summary>The command tree. Tests build it and invoke it with captured output.</summary>
internal static class AgentCtlApp
{
    public const string Program = "agentctl";

    public static RootCommand Build()
    {
        var connection = new ConnectionOptions();
        var root = new RootCommand("agentctl: operate the NodeAgent on one node (local Unix socket by default, or --address host:port with mutual TLS)");
        connection.AddLegacyTo(root);
        root.Subcommands.Add(CertsCommand.Build());
        root.Subcommands.Add(CompletionScript.Command(Program, Build));
        foreach (var command in new[]
        {
            StatusCommand.Build(connection),
            VersionCommand.Build(connection),
            StageCommand.Build(connection),
            ArtifactsCommand.Build(connection),
            VerifyCommand.Build(connection),
            GcCommand.Build(connection),
            ApplyCommand.Build(connection),
            RollbackCommand.Build(connection),
            ServiceCommands.Restart(connection),
            ServiceCommands.Stop(connection),
            ServiceCommands.Start(connection),
            ServiceCommands.Backup(connection),
            MarkerCommand.Build(connection),
            OpsCommand.List(connection),
            OpsCommand.Show(connection),
            AuditCommand.Build(connection),
            ClaimCommand.Build(connection),
        })
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        CliRunner.RunAsync(Build(), Program, new CliExitCodes(ExitCodes.Usage, ExitCodes.Unavailable, ExitCodes.Internal), args, output, error, cancellationToken);
}
