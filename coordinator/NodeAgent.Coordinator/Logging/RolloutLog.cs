using Microsoft.Extensions.Logging;
using NodeAgent.Coordinator.Engine;

namespace NodeAgent.Coordinator.Logging;

/// <summary>
/// A rollout's events as structured log events: source-generated, each with a stable event id (1001-1099, listed in
/// docs/coordinator/cli.md) and named fields: <c>RolloutId</c> on every one; <c>Node</c>, <c>Component</c> and
/// <c>OperationId</c> on a node's. What <c>rollout --log-format json</c> writes; an observer beside
/// <see cref="Progress.RolloutProgress"/>, so the engine does not know it is there.
/// </summary>
internal sealed partial class RolloutLog(ILogger logger, string rolloutId) : IRolloutObserver
{
    /// <summary>The category of every event of a rollout.</summary>
    public const string Category = "NodeAgent.Coordinator.Rollout";

    public void SetPhase(string phase) => PhaseStarted(logger, rolloutId, phase);

    public void SetBatch(int batch, int batches, int size) => BatchStarted(logger, rolloutId, batch, batches, size);

    public void SetPaused(bool paused)
    {
        if (paused)
        {
            Paused(logger, rolloutId);
        }
        else
        {
            ResumedAfterPause(logger, rolloutId);
        }
    }

    public void Preload(int succeeded) => DoneInEarlierRuns(logger, rolloutId, succeeded);

    public void NodeStarted(string node, IEnumerable<string> components) => NodeStarting(logger, rolloutId, node, components);

    public void Step(string node, string component, string operationId, string step, string message) =>
        NodeStep(logger, rolloutId, node, component, operationId, step, message);

    public void NodeInFlight(string node, TimeSpan duration, string detail) => NodeLeftInFlight(logger, rolloutId, node, duration.TotalSeconds, detail);

    public void NodeFinished(string node, bool ok, TimeSpan duration, string detail)
    {
        if (ok)
        {
            NodeSucceeded(logger, rolloutId, node, duration.TotalSeconds, detail);
        }
        else
        {
            NodeFailed(logger, rolloutId, node, duration.TotalSeconds, detail);
        }
    }

    public void Ended(string rollout, string state, string reason) => RolloutEnded(logger, rollout, state, reason);

    public void Say(string line) => Note(logger, rolloutId, line);

    /// <summary>The command stopped the rollout before its end (Ctrl+C, lost leadership); <paramref name="detail"/> says what to do.</summary>
    public void Interrupted(string detail) => RolloutInterrupted(logger, rolloutId, detail);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "rollout {RolloutId}: phase {Phase}")]
    private static partial void PhaseStarted(ILogger logger, string rolloutId, string phase);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "rollout {RolloutId}: batch {Batch} of {Batches}: {Size} node(s)")]
    private static partial void BatchStarted(ILogger logger, string rolloutId, int batch, int batches, int size);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "rollout {RolloutId}: paused (nodeagent-coordinator resume ROLLOUT to go on)")]
    private static partial void Paused(ILogger logger, string rolloutId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "rollout {RolloutId}: resumed")]
    private static partial void ResumedAfterPause(ILogger logger, string rolloutId);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "rollout {RolloutId}: {Succeeded} node(s) done in earlier runs")]
    private static partial void DoneInEarlierRuns(ILogger logger, string rolloutId, int succeeded);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "rollout {RolloutId}: {Node}: started ({Components})")]
    private static partial void NodeStarting(ILogger logger, string rolloutId, string node, IEnumerable<string> components);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "rollout {RolloutId}: {Node}: {Component} {Step} ({OperationId}): {Detail}")]
    private static partial void NodeStep(ILogger logger, string rolloutId, string node, string component, string operationId, string step, string detail);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "rollout {RolloutId}: {Node}: ok in {Seconds}s {Detail}")]
    private static partial void NodeSucceeded(ILogger logger, string rolloutId, string node, double seconds, string detail);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Error, Message = "rollout {RolloutId}: {Node}: FAILED in {Seconds}s {Detail}")]
    private static partial void NodeFailed(ILogger logger, string rolloutId, string node, double seconds, string detail);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Warning, Message = "rollout {RolloutId}: {Node}: IN FLIGHT after {Seconds}s (outcome not known yet; the next run follows it): {Detail}")]
    private static partial void NodeLeftInFlight(ILogger logger, string rolloutId, string node, double seconds, string detail);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "rollout {RolloutId} {State}: {Detail}")]
    private static partial void RolloutEnded(ILogger logger, string rolloutId, string state, string detail);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "rollout {RolloutId}: {Detail}")]
    private static partial void RolloutInterrupted(ILogger logger, string rolloutId, string detail);

    [LoggerMessage(EventId = 1090, Level = LogLevel.Information, Message = "rollout {RolloutId}: {Detail}")]
    private static partial void Note(ILogger logger, string rolloutId, string detail);
}
