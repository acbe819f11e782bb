using System.CommandLine;
using Microsoft.Data.Sqlite;
using NodeAgent.CommandLine;
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
    public const int Internal = 10;
}

/// <summary>
/// Options shared by the commands, and the helpers that read them. <c>--journal</c> and <c>-o</c> sit only on the
/// commands that use them; <c>--journal</c> before the subcommand (as the first release took it) is still read.
/// </summary>
internal sealed class CliOptions
{
    private const string DefaultJournal = "/var/lib/nodeagent-coordinator/journal.db";

    public Option<string> Journal { get; } = JournalOption();

    /// <summary>The same flag before the subcommand: accepted, not offered.</summary>
    public Option<string> LegacyJournal { get; } = JournalOption(hidden: true);

    public Option<OutputFormat> Output { get; } = OutputFormats.Create();

    public static Argument<string> PlanArgument() => new("plan") { Description = "The rollout plan (YAML)" };

    public OutputFormat Format(ParseResult parse) => parse.GetValue(Output);

    public bool Machine(ParseResult parse) => ResultWriter.IsMachine(Format(parse));

    /// <summary>The journal's full path: the flag after the subcommand, else before it, else the default.</summary>
    public string JournalPath(ParseResult parse) => Path.GetFullPath(
        parse.GetResult(Journal) is { Implicit: false } || parse.GetResult(LegacyJournal) is not { Implicit: false }
            ? parse.GetValue(Journal)!
            : parse.GetValue(LegacyJournal)!);

    /// <summary>Opens the journal, creating it for a first rollout.</summary>
    public RolloutJournal OpenJournal(ParseResult parse)
    {
        var path = JournalPath(parse);
        RefuseDirectory(path);
        return Open(path);
    }

    /// <summary>Opens a journal that must exist already: a read or a request never creates one.</summary>
    public RolloutJournal OpenExistingJournal(ParseResult parse)
    {
        var path = JournalPath(parse);
        RefuseDirectory(path);
        if (!File.Exists(path))
        {
            throw new CliFailure(
                $"no journal at {path}",
                ExitCodes.UnknownRollout,
                "the first 'rollout' creates it; check --journal (or $NODEAGENT_COORDINATOR_JOURNAL), or start one with: nodeagent-coordinator rollout PLAN --journal " + path);
        }

        return Open(path);
    }

    /// <summary>Loads a plan or fails with every problem, each with its file, line, column and key.</summary>
    public static Plan LoadPlan(ParseResult parse, Argument<string> argument) => LoadPlan(parse.GetValue(argument)!);

    /// <inheritdoc cref="LoadPlan(ParseResult, Argument{string})"/>
    public static Plan LoadPlan(string file)
    {
        var path = Path.GetFullPath(file);
        try
        {
            return PlanLoader.Load(path);
        }
        catch (PlanException ex)
        {
            throw new CliFailure(
                ex.Errors.Count == 1 ? ex.Errors[0] : $"{path}: {ex.Errors.Count} problems",
                ExitCodes.InvalidPlan,
                ex.Errors.Count == 1 ? null : "fix each line above, then run validate again",
                ex.Errors.Count == 1 ? null : ex.Errors);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure($"{path}: cannot read the plan: {ex.Message}", ExitCodes.InvalidPlan);
        }
    }

    private static RolloutJournal Open(string path)
    {
        try
        {
            return new RolloutJournal(path, TimeProvider.System);
        }
        catch (SqliteException ex)
        {
            throw new CliFailure($"{path} is not a rollout journal: {ex.SqliteErrorCode switch { 26 => "not an SQLite file", _ => ex.Message }}", ExitCodes.InvalidPlan, "give --journal the journal.db of a rollout, or a new path");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliFailure($"cannot open the journal {path}: {ex.Message}", ExitCodes.InvalidPlan, "check --journal (or $NODEAGENT_COORDINATOR_JOURNAL)");
        }
    }

    private static void RefuseDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CliFailure($"{path} is a directory; --journal names the journal file", ExitCodes.InvalidPlan, $"for example --journal {Path.Combine(path, "journal.db")}");
        }
    }

    private static Option<string> JournalOption(bool hidden = false) => new("--journal")
    {
        Description = "The rollout journal (SQLite; default $NODEAGENT_COORDINATOR_JOURNAL, else " + DefaultJournal + ")",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NODEAGENT_COORDINATOR_JOURNAL") is { Length: > 0 } path ? path : DefaultJournal,
        Hidden = hidden,
    };
}
