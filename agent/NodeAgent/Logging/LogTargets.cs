using Serilog;
using Serilog.Events;

namespace NodeAgent.Logging;

/// <summary>
/// Where the agent logs (Logging:Target): "journal" (the native protocol), "stderr" (lines with "&lt;N&gt;" priority
/// prefixes), "console" (human-readable), or "auto": the journal when systemd started us (JOURNAL_STREAM or
/// INVOCATION_ID is set) and its socket exists, prefixed stderr under systemd without one, the console otherwise.
/// </summary>
internal static class LogTargets
{
    public const string JournalSocket = "/run/systemd/journal/socket";

    public static string Resolve(string target, Func<string, string?> environment, Func<string, bool> exists)
    {
        if (target != "auto")
        {
            return target;
        }

        var underSystemd = environment("JOURNAL_STREAM") is { Length: > 0 } || environment("INVOCATION_ID") is { Length: > 0 };
        return !underSystemd ? "console" : exists(JournalSocket) ? "journal" : "stderr";
    }

    public static LoggerConfiguration Apply(LoggerConfiguration logging, string target) => Resolve(target, Environment.GetEnvironmentVariable, File.Exists) switch
    {
        "journal" => logging.WriteTo.Sink(new JournalSink(JournalSocket, "nodeagent")),
        "stderr" => logging.WriteTo.Sink(new PrefixedStderrSink(Console.Error)),
        _ => logging.WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: System.Globalization.CultureInfo.InvariantCulture),
    };
}
