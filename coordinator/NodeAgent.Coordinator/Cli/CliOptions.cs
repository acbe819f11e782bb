using System.CommandLine;
using Microsoft.Data.Sqlite;
using NodeAgent.CommandLine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Journal.Etcd;
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
    public const string DefaultJournal = "/var/lib/nodeagent-coordinator/journal.db";

    public Option<string> Journal { get; } = JournalOption();

    /// <summary>The same flag before the subcommand: accepted, not offered.</summary>
    public Option<string> LegacyJournal { get; } = JournalOption(hidden: true);

    public Option<OutputFormat> Output { get; } = OutputFormats.Create();

    public static Argument<string> PlanArgument() => new("plan") { Description = "The rollout plan (YAML)" };

    public OutputFormat Format(ParseResult parse) => parse.GetValue(Output);

    public bool Machine(ParseResult parse) => ResultWriter.IsMachine(Format(parse));

    public Option<string?> EtcdCaCert { get; } = new("--etcd-cacert") { Description = "With an etcd:// journal: the CA that signed the etcd members' certificates (turns on TLS)" };

    public Option<string?> EtcdCert { get; } = new("--etcd-cert") { Description = "With an etcd:// journal: this coordinator's client certificate (PEM)" };

    public Option<string?> EtcdKey { get; } = new("--etcd-key") { Description = "With an etcd:// journal: the client certificate's key (PEM)" };

    /// <summary>The flag's value as given: the flag after the subcommand, else before it, else the default.</summary>
    public string JournalText(ParseResult parse) =>
        parse.GetResult(Journal) is { Implicit: false } || parse.GetResult(LegacyJournal) is not { Implicit: false }
            ? parse.GetValue(Journal)!
            : parse.GetValue(LegacyJournal)!;

    /// <summary>The etcd journal named by --journal, or null for a SQLite file.</summary>
    public EtcdLocation? EtcdJournal(ParseResult parse)
    {
        var text = JournalText(parse);
        if (!EtcdLocation.IsEtcd(text))
        {
            return null;
        }

        try
        {
            return EtcdLocation.Parse(text);
        }
        catch (ArgumentException ex)
        {
            throw new CliFailure(ex.Message, ExitCodes.InvalidPlan);
        }
    }

    /// <summary>The SQLite journal's full path (an etcd:// journal has none: it is refused here with the reason).</summary>
    public string JournalPath(ParseResult parse) =>
        EtcdJournal(parse) is { } etcd
            ? throw new CliFailure($"this command needs a SQLite journal file, not {etcd}", ExitCodes.InvalidPlan)
            : Path.GetFullPath(JournalText(parse));

    /// <summary>The etcd client's TLS files; null for plain HTTP. A certificate without its key (or the reverse) is refused.</summary>
    public EtcdTls? EtcdTlsFiles(ParseResult parse)
    {
        var (ca, cert, key) = (parse.GetValue(EtcdCaCert), parse.GetValue(EtcdCert), parse.GetValue(EtcdKey));
        if ((cert is null) != (key is null))
        {
            throw new CliFailure("--etcd-cert and --etcd-key go together", ExitCodes.InvalidPlan, "give both, or neither for an etcd without client certificates");
        }

        if (ca is null)
        {
            return cert is null ? null : throw new CliFailure("--etcd-cert needs --etcd-cacert (the CA that signed the etcd members)", ExitCodes.InvalidPlan);
        }

        foreach (var file in new[] { ca, cert, key }.OfType<string>().Where(f => !File.Exists(f)))
        {
            throw new CliFailure($"{file}: no such file", ExitCodes.InvalidPlan, "check --etcd-cacert, --etcd-cert and --etcd-key");
        }

        return new EtcdTls(ca, cert, key);
    }

    /// <summary>Connects to an etcd journal; a leader's store waits out a lost quorum, any other fails at once.</summary>
    public EtcdKv ConnectEtcd(ParseResult parse, EtcdLocation location, bool patient, Action<string> say) =>
        EtcdKv.Connect(location, EtcdTlsFiles(parse), TimeProvider.System, patient, say);

    /// <summary>Opens the journal, creating it for a first rollout.</summary>
    public IRolloutJournal OpenJournal(ParseResult parse)
    {
        if (EtcdJournal(parse) is { } etcd)
        {
            return new EtcdRolloutJournal(ConnectEtcd(parse, etcd, patient: false, _ => { }), TimeProvider.System);
        }

        var path = JournalPath(parse);
        RefuseDirectory(path);
        return Open(path);
    }

    /// <summary>Opens a journal that must exist already: a read or a request never creates one.</summary>
    public IRolloutJournal OpenExistingJournal(ParseResult parse)
    {
        if (EtcdJournal(parse) is not null)
        {
            return OpenJournal(parse);
        }

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
        Description = "The rollout journal: a SQLite file, or etcd://HOST:PORT[,HOST:PORT...]/PREFIX shared by a leader and its standbys (default $NODEAGENT_COORDINATOR_JOURNAL, else " + DefaultJournal + ")",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NODEAGENT_COORDINATOR_JOURNAL") is { Length: > 0 } path ? path : DefaultJournal,
        Hidden = hidden,
    };
}
