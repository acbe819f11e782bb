using System.Globalization;
using Serilog.Core;
using Serilog.Events;

namespace NodeAgent.Logging;

/// <summary>
/// Under systemd without a journal socket: one line per event on stderr with a "&lt;N&gt;" syslog priority prefix,
/// which journald (and syslog-style collectors) read as the line's priority.
/// </summary>
internal sealed class PrefixedStderrSink(TextWriter error) : ILogEventSink
{
    private readonly Lock _lock = new();

    public void Emit(LogEvent logEvent)
    {
        var line = $"<{JournalSink.Priority(logEvent.Level)}>{logEvent.RenderMessage(CultureInfo.InvariantCulture)}";
        if (logEvent.Exception is { } exception)
        {
            line += " " + exception.ToString().ReplaceLineEndings(" | ");
        }

        lock (_lock)
        {
            error.WriteLine(line.ReplaceLineEndings(" "));
        }
    }
}
