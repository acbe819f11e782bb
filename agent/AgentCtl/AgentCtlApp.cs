using System.CommandLine;
using AgentCtl.Commands;

namespace AgentCtl;

/// <summary>The command tree. Tests build it and invoke it with captured output.</summary>
internal static class AgentCtlApp
{
    public static RootCommand Build()
    {
        var globals = new GlobalOptions();
        var root = new RootCommand("agentctl: operate the NodeAgent on one node (local Unix socket by default)");
        foreach (var option in globals.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(CertsCommand.Build());
        foreach (var command in new[]
        {
            StatusCommand.Build(globals),
            StageCommand.Build(globals),
            ArtifactsCommand.Build(globals),
            VerifyCommand.Build(globals),
            GcCommand.Build(globals),
            ApplyCommand.Build(globals),
            RollbackCommand.Build(globals),
            ServiceCommands.Restart(globals),
            ServiceCommands.Stop(globals),
            ServiceCommands.Start(globals),
            ServiceCommands.Backup(globals),
            MarkerCommand.Build(globals),
            OpsCommand.List(globals),
            OpsCommand.Show(globals),
            AuditCommand.Build(globals),
            ClaimCommand.Build(globals),
        })
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"agentctl: {problem.Message}");
            }

            await error.WriteLineAsync("see agentctl --help");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }
}
