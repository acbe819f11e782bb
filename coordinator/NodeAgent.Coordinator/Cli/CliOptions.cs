using System.CommandLine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Cli;

/// <summary>Exit codes of nodeagent-coordinator, documented in the README.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int RolloutFailed = 1;
    public const int InvalidPlan = 2;
    public const int UnknownRollout = 3;
    public const int Refused = 4;
    public const int NodesFailed = 5;
}

/// <summary>Options shared by the commands, and the helpers that read them.</summary>
internal sealed class CliOptions
{
    public Option<string> Journal { get; } = new("--journal")
    {
        Description = "The rollout journal (SQLite)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NODEAGENT_COORDINATOR_JOURNAL") is { Length: > 0 } path ? path : "/var/lib/nodeagent-coordinator/journal.db",
        Recursive = true,
    };

    public Option<string> Output { get; } = new("--output", "-o")
    {
        Description = "human (default) or json",
        DefaultValueFactory = _ => "human",
        Recursive = true,
    };

    public CliOptions() => Output.AcceptOnlyFromAmong("human", "json");

    public static Argument<string> PlanArgument() => new("plan") { Description = "The rollout plan (YAML)" };

    public bool Json(ParseResult parse) => parse.GetValue(Output) == "json";

    public RolloutJournal OpenJournal(ParseResult parse) => new(parse.GetValue(Journal)!, TimeProvider.System);

    /// <summary>Loads a plan or prints every problem and returns null.</summary>
    public static Plan? LoadPlan(ParseResult parse, Argument<string> argument)
    {
        try
        {
            return PlanLoader.Load(parse.GetValue(argument)!);
        }
        catch (PlanException ex)
        {
            foreach (var error in ex.Errors)
            {
                parse.InvocationConfiguration.Error.WriteLine(error);
            }

            return null;
        }
    }
}
