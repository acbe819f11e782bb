using Microsoft.Extensions.Logging;

namespace NodeAgent.Operations;

/// <summary>
/// Ends an operation that failed in a way its own code could not handle (a bug, a journal that cannot be written):
/// critical log, and ROLLBACK_FAILED so that the component shows as needing a human.
/// </summary>
internal sealed partial class OperationEscalation(OperationFinisher finisher, OperationRegistry registry, ILogger<OperationEscalation> logger)
{
    public void Escalate(OperationRecord started, Exception exception)
    {
        // The latest snapshot: the operation may have moved on since the caller's copy was taken.
        var op = registry.Get(started.Id) ?? started;
        LogEscalated(exception, op.Id, op.Component, op.Step);
        try
        {
            finisher.Finish(op, OpState.RollbackFailed, $"the operation stopped at step {op.Step} on an unexpected error ({exception.GetType().Name}: {exception.Message}); check {op.Component} by hand");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogCannotJournal(ex, op.Id);
        }
    }

    [LoggerMessage(EventId = 502, Level = LogLevel.Critical, Message = "Operation {OperationId} on {Component} failed unexpectedly at step {Step}")]
    private partial void LogEscalated(Exception exception, string operationId, string component, OpStep step);

    [LoggerMessage(EventId = 503, Level = LogLevel.Critical, Message = "Operation {OperationId} could not even be journaled as failed; the state directory needs attention")]
    private partial void LogCannotJournal(Exception exception, string operationId);
}
