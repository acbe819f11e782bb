using System.CommandLine;
using NodeAgent.Coordinator.Journal;

namespace NodeAgent.Coordinator.Cli;

/// <summary><c>pause</c>, <c>resume</c> and <c>abort</c>: requests the running rollout reads between nodes and batches.</summary>
internal static class ControlCommand
{
    public static Command Build(CliOptions options, string verb, string description)
    {
        var rollout = new Argument<string>("rollout") { Description = "The rollout id" };
        var command = new Command(verb, description) { rollout };
        command.SetAction(parse =>
        {
            using var journal = options.OpenJournal(parse);
            var id = parse.GetValue(rollout)!;
            var record = journal.Find(id);
            if (record is null)
            {
                parse.InvocationConfiguration.Error.WriteLine($"nodeagent-coordinator: no rollout {id}");
                return ExitCodes.UnknownRollout;
            }

            if (record.State is RolloutStates.Succeeded or RolloutStates.Aborted || record.State == RolloutStates.Failed && verb != "abort")
            {
                parse.InvocationConfiguration.Error.WriteLine($"nodeagent-coordinator: rollout {id} is {record.State}; there is nothing to {verb}");
                return ExitCodes.Refused;
            }

            if (record.Control == "abort")
            {
                parse.InvocationConfiguration.Error.WriteLine($"nodeagent-coordinator: rollout {id} is being aborted; an abort cannot be taken back");
                return ExitCodes.Refused;
            }

            journal.RequestControl(id, verb == "resume" ? "" : verb);
            journal.AddEvent(id, $"{verb} requested");
            parse.InvocationConfiguration.Output.WriteLine($"{verb} requested for rollout {id}; it takes effect before the next node starts");
            return ExitCodes.Ok;
        });
        return command;
    }
}
