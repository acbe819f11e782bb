using System.CommandLine;
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
        var command = new Command("status", "Show rollouts from the journal: state, phase, nodes") { rollout };
        command.SetAction(parse =>
        {
            using var journal = options.OpenJournal(parse);
            var locked = RolloutJournal.IsLocked(parse.GetValue(options.Journal)!);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(rollout) is not { } id)
            {
                var reports = journal.All().Select(r => RolloutReport.From(new RolloutResult(r.AsSeen(locked), journal.Nodes(r.Id), [], [], journal.Facts(r.Id)))).ToList();
                if (options.Json(parse))
                {
                    output.WriteLine(System.Text.Json.JsonSerializer.Serialize(reports, ReportJsonContext.Default.ListRolloutReport));
                    return ExitCodes.Ok;
                }

                foreach (var r in reports)
                {
                    output.WriteLine($"{r.Rollout,-32} {r.State,-10} {r.Succeeded}/{r.Nodes} nodes  {r.Message}");
                }

                return ExitCodes.Ok;
            }

            var record = journal.Find(id)?.AsSeen(locked);
            if (record is null)
            {
                parse.InvocationConfiguration.Error.WriteLine($"nodeagent-coordinator: no rollout {id} in {parse.GetValue(options.Journal)}");
                return ExitCodes.UnknownRollout;
            }

            var report = RolloutReport.From(new RolloutResult(record, journal.Nodes(id), [], journal.Events(id), journal.Facts(id)));
            output.Write(options.Json(parse) ? report.ToJson() + "\n" : $"phase {record.Phase}\n{report.ToText()}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
