using Microsoft.Extensions.Logging;

namespace NodeAgent.Coordinator.Logging;

/// <summary>One category's logger of a <see cref="JsonLineLoggerProvider"/>. Scopes are not kept: every event carries its own fields.</summary>
internal sealed class JsonLineLogger(JsonLineLoggerProvider provider, string category) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Information and < LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            provider.Write(category, logLevel, eventId, state, exception, formatter);
        }
    }
}
