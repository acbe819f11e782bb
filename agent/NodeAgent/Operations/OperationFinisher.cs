using Microsoft.Extensions.Logging;
using NodeAgent.Health;

namespace NodeAgent.Operations;

/// <summary>Moves an operation to its terminal state: journal, metrics and one log line with the outcome.</summary>
internal sealed partial class OperationFinisher(OperationRegistry registry, AgentMetrics metrics, TimeProvider time, ILogger<OperationFinisher> logger)
{
    public OperationRecord Finish(OperationRecord op, OpState state, string message, Func<OperationRecord, OperationRecord>? change = null)
    {
        var finished = registry.Finish(op.Id, state, message, change);
        metrics.Operations.WithLabels(op.Kind.ToString(), state.ToString()).Inc();
        if (op.Kind == OpKind.Apply)
        {
            metrics.ApplyDuration.Observe((time.GetUtcNow() - op.CreatedAt).TotalSeconds);
        }

        if (state is OpState.Succeeded)
        {
            LogSucceeded(op.Id, op.Kind, op.Component, message);
        }
        else
        {
            LogNotSucceeded(state is OpState.RollbackFailed ? LogLevel.Critical : LogLevel.Warning, op.Id, op.Kind, op.Component, state, message);
        }

        return finished;
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Operation {OperationId} ({Kind} on {Component}) succeeded: {Outcome}")]
    private partial void LogSucceeded(string operationId, OpKind kind, string component, string outcome);

    [LoggerMessage(EventId = 501, Message = "Operation {OperationId} ({Kind} on {Component}) ended {State}: {Outcome}")]
    private partial void LogNotSucceeded(LogLevel level, string operationId, OpKind kind, string component, OpState state, string outcome);
}
