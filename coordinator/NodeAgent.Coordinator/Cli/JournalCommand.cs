using System.CommandLine;
using System.Text.Json;
using NodeAgent.CommandLine;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;

namespace NodeAgent.Coordinator.Cli;

/// <summary>
/// <c>journal export ROLLOUT</c> and <c>journal import FILE</c>: moves a rollout between journals (a SQLite file and
/// etcd, either way), with its nodes, events and facts, so that a rollout begun on one machine can be handed to a
/// leader and standbys on etcd, or kept as a file after the window.
/// </summary>
internal static class JournalCommand
{
    public static Command Build(CliOptions options)
    {
        var command = new Command("journal", "Move a rollout between journals (SQLite and etcd)");
        command.Subcommands.Add(Export(options));
        command.Subcommands.Add(Import(options));
        return command;
    }

    private static Command Export(CliOptions options)
    {
        var rollout = new Argument<string>("rollout") { Description = "The rollout id" };
        var file = new Option<string?>("--file", "-f") { Description = "Write to this file (default: standard output)" };
        var command = new Command("export", "Write one rollout of the journal as JSON.\n\nExample:\n  nodeagent-coordinator journal export upgrade-v1.17 --journal ./journal.db -f upgrade.json") { rollout, file };
        AddJournalOptions(command, options);
        command.SetAction(parse =>
        {
            using var journal = options.OpenExistingJournal(parse);
            var id = parse.GetValue(rollout)!;
            var dump = RolloutDump.From(journal, id) ?? throw StatusCommand.Unknown(id, journal.Location);
            var json = JsonSerializer.Serialize(dump, JournalJsonContext.Default.RolloutDump);
            if (parse.GetValue(file) is { } path)
            {
                File.WriteAllText(path, json + "\n");
                parse.InvocationConfiguration.Output.WriteLine($"exported rollout {id} ({dump.Nodes.Count} node(s), {dump.Events.Count} event(s), {dump.Facts.Count} fact(s)) to {path}");
            }
            else
            {
                parse.InvocationConfiguration.Output.WriteLine(json);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Import(CliOptions options)
    {
        var file = new Argument<string>("file") { Description = "A file written by journal export" };
        var command = new Command("import", "Add a rollout exported from another journal to this one (refused if it has that rollout already).\n\nExample:\n  nodeagent-coordinator journal import upgrade.json --journal etcd://10.0.0.1:2379/nodeagent") { file };
        AddJournalOptions(command, options);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var dump = Read(path);
            using var journal = options.OpenJournal(parse);
            journal.Import(dump);

            parse.InvocationConfiguration.Output.WriteLine($"imported rollout {dump.Rollout.Id} ({dump.Rollout.State}, {dump.Nodes.Count} node(s)) into {journal.Location}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void AddJournalOptions(Command command, CliOptions options)
    {
        command.Options.Add(options.Journal);
        command.Options.Add(options.EtcdCaCert);
        command.Options.Add(options.EtcdCert);
        command.Options.Add(options.EtcdKey);
    }

    private static RolloutDump Read(string path)
    {
        try
        {
            var dump = JsonSerializer.Deserialize(File.ReadAllBytes(path), JournalJsonContext.Default.RolloutDump);
            return dump is { Format: RolloutDump.CurrentFormat, Rollout: not null, Nodes: not null, Events: not null, Facts: not null }
                ? dump
                : throw new CliFailure($"{path}: not a rollout exported by this version (format {dump?.Format})", ExitCodes.InvalidPlan, "export it again with journal export");
        }
        catch (JsonException ex)
        {
            throw new CliFailure($"{path}: not a rollout export: {ex.Message}", ExitCodes.InvalidPlan, "give a file written by journal export");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure($"{path}: cannot read it: {ex.Message}", ExitCodes.InvalidPlan);
        }
    }
}
