using Microsoft.Extensions.Logging;

namespace NodeAgent.Operations;

/// <summary>The swap's log lines (event ids 400-409; see docs/agent/monitoring-events.md).</summary>
internal sealed partial class SwapTransaction
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Operation {OperationId} on {Component} failed at step {Step}: {Reason}")]
    private partial void LogFailed(string operationId, string component, OpStep step, string reason);

    [LoggerMessage(EventId = 401, Level = LogLevel.Critical, Message = "Rollback of operation {OperationId} on {Component} failed: {Reason}. The component needs a human")]
    private partial void LogRollbackFailed(string operationId, string component, string reason);
}
