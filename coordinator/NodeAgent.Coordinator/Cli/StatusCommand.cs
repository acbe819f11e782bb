using System.CommandLine;
using System.Text.Json.Nodes;
using NodeAgent.CommandLine;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Reports;

namespace NodeAgent.Coordinator.Cli;

/// <summary><c>nodeagent-coordinator status [ROLLOUT]</c>: any rollout, past or present, from the journal.</summary>
internal static class StatusCommand
{
    public static Command Build(CliOptions options)
    {
        var rollout = new Argument<string?>("rollout") { Description = "A rollout id (default: list every rollout)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("status", "Show rollouts from the journal: state, phase, nodes.\n\nExample:\n  nodeagent-coordinator status upgrade-v1.17 -o yaml") { rollout };
        command.SetAction(parse =>
        {
            using var journal = options.OpenExistingJournal(parse);
            var etcd = journal as Journal.Etcd.EtcdRolloutJournal;
            var sqliteLocked = etcd is null && RolloutJournal.IsLocked(options.JournalPath(parse));
            bool Led(string rollout) => etcd is null ? sqliteLocked : etcd.Leaders(rollout).Leader is not null;
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(rollout) is not { } id)
            {
                var reports = journal.All().Select(r => RolloutReport.From(new RolloutResult(r.AsSeen(Led(r.Id)), journal.Nodes(r.Id), [], [], journal.Facts(r.Id)))).ToList();
                if (options.Machine(parse))
                {
                    ResultWriter.Write(output, options.Format(parse), System.Text.Json.JsonSerializer.SerializeToNode(reports, ReportJsonContext.Default.ListRolloutReport));
                    return ExitCodes.Ok;
                }

                foreach (var r in reports)
                {
                    output.WriteLine($"{r.Rollout,-32} {r.State,-10} {r.Succeeded}/{r.Nodes} nodes  {r.Message}");
                }

                return ExitCodes.Ok;
            }

            var record = journal.Find(id)?.AsSeen(Led(id)) ?? throw Unknown(id, journal.Location);

            var report = RolloutReport.From(new RolloutResult(record, journal.Nodes(id), [], journal.Events(id), journal.Facts(id)));
            if (options.Machine(parse))
            {
                ResultWriter.Write(output, options.Format(parse), JsonNode.Parse(report.ToJson()));
            }
            else
            {
                output.Write($"phase {record.Phase}\n{report.ToText()}");
                foreach (var line in etcd?.Leaders(id).Lines() ?? [])
                {
                    output.WriteLine(line);
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The failure for a rollout id that the journal does not hold.</summary>
    public static CliFailure Unknown(string id, string journal) =>
        new($"no rollout {id} in {journal}", ExitCodes.UnknownRollout, "nodeagent-coordinator status lists the rollouts this journal holds");
}
