using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace NodeAgent.Tests.Infrastructure;

/// <summary>Collects the agent's log events so that a test fails on an error it did not expect.</summary>
internal sealed class LogCollector : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    public IReadOnlyList<string> Messages(LogEventLevel atLeast) =>
        Events.Where(e => e.Level >= atLeast).Select(e => e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList();

    /// <summary>Fails on Error or Fatal events (bugs), which the code under test should never log in these scenarios.</summary>
    public void AssertNoErrors() => Assert.Empty(Messages(LogEventLevel.Error));
}
