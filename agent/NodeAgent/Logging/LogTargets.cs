using System.Globalization;
using Serilog;
using Serilog.Events;

namespace NodeAgent.Logging;

/// <summary>
/// Where the agent logs (Logging:Target): "journal" (the native protocol), "stderr" (lines with "&lt;N&gt;" priority
/// prefixes), "console" (human-readable), or "auto": when stderr is the journal stream systemd gave this process
/// (JOURNAL_STREAM names stderr's device and inode, as systemd.exec(5) describes), the journal's native protocol if
/// its socket exists, else prefixed stderr; otherwise (started by hand, even from a service's shell) the console.
/// </summary>
internal static class LogTargets
{
    public const string JournalSocket = "/run/systemd/journal/socket";

    public static string Resolve(string target, Func<string, string?> environment, Func<string, bool> exists, Func<string?> stderrIdentity)
    {
        if (target != "auto")
        {
            return target;
        }

        var stream = environment("JOURNAL_STREAM");
        var journalIsStderr = stream is { Length: > 0 } && stream == stderrIdentity();
        return !journalIsStderr ? "console" : exists(JournalSocket) ? "journal" : "stderr";
    }

    public static LoggerConfiguration Apply(LoggerConfiguration logging, string target) => Resolve(target, Environment.GetEnvironmentVariable, File.Exists, StderrIdentity) switch
    {
        "journal" => logging.WriteTo.Sink(new JournalSink(JournalSocket, "nodeagent")),
        "stderr" => logging.WriteTo.Sink(new PrefixedStderrSink(Console.Error)),
        _ => logging.WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: CultureInfo.InvariantCulture),
    };

    /// <summary>"DEVICE:INODE" of file descriptor 2, in JOURNAL_STREAM's format, or null.</summary>
    private static string? StderrIdentity() =>
        Native.Libc.Stat(2) is { } stat ? string.Create(CultureInfo.InvariantCulture, $"{stat.Device}:{stat.Inode}") : null;
}
