using System.CommandLine;
using System.Text.Json.Nodes;
using NodeAgent.CommandLine;
using NodeAgent.Coordinator.Journal;

namespace NodeAgent.Coordinator.Cli;

/// <summary><c>pause</c>, <c>resume</c> and <c>abort</c>: requests the running rollout reads between nodes and batches.</summary>
internal static class ControlCommand
{
    public static Command Build(CliOptions options, string verb, string description)
    {
        var rollout = new Argument<string>("rollout") { Description = "The rollout id" };
        var command = new Command(verb, $"{description}.\n\nExample:\n  nodeagent-coordinator {verb} upgrade-v1.17") { rollout };
        command.SetAction(parse =>
        {
            using var journal = options.OpenExistingJournal(parse);
            var id = parse.GetValue(rollout)!;
            var record = journal.Find(id) ?? throw StatusCommand.Unknown(id, journal.Location);
            if (record.State is RolloutStates.Succeeded or RolloutStates.Aborted || record.State == RolloutStates.Failed && verb != "abort")
            {
                throw new CliFailure($"rollout {id} is {record.State}; there is nothing to {verb}", ExitCodes.Refused);
            }

            if (record.Control == "abort")
            {
                throw new CliFailure($"rollout {id} is being aborted; an abort cannot be taken back", ExitCodes.Refused);
            }

            journal.RequestControl(id, verb == "resume" ? "" : verb);
            journal.AddEvent(id, $"{verb} requested");
            if (options.Machine(parse))
            {
                ResultWriter.Write(parse.InvocationConfiguration.Output, options.Format(parse), new JsonObject { ["rollout"] = id, ["requested"] = verb });
            }
            else
            {
                parse.InvocationConfiguration.Output.WriteLine($"{verb} requested for rollout {id}; it takes effect before the next node starts");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
