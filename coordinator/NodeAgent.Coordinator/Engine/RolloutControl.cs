using NodeAgent.Client.Concurrency;
using NodeAgent.Coordinator.Journal;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// Pause, resume and abort, requested from another process through the journal: the one place the engine asks
/// whether it may start a node, and the one soak that an abort cuts short.
/// </summary>
internal sealed class RolloutControl(string rollout, IRolloutJournal journal, IRolloutObserver progress, TimeProvider time)
{
    /// <summary>How often a requested pause, resume or abort is looked for.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    public bool AbortRequested => journal.Control(rollout) == "abort";

    /// <summary>Waits out a soak while watching for an abort; false when one was requested.</summary>
    public async Task<bool> SoakAsync(TimeSpan soak, CancellationToken cancellationToken) =>
        !await Poll.UntilAsync(() => AbortRequested, Interval, soak, time, cancellationToken) && !AbortRequested;

    /// <summary>Waits while paused; false once an abort is requested.</summary>
    public async Task<bool> MayStartAsync(CancellationToken cancellationToken)
    {
        if (journal.Control(rollout) != "pause")
        {
            return !AbortRequested;
        }

        journal.SetState(rollout, RolloutStates.Paused, "paused by request");
        progress.SetPaused(true);
        await Poll.UntilAsync(() => journal.Control(rollout) != "pause", Interval, Timeout.InfiniteTimeSpan, time, cancellationToken);
        if (AbortRequested)
        {
            return false;
        }

        journal.SetState(rollout, RolloutStates.Running, "resumed by request");
        progress.SetPaused(false);
        return true;
    }
}
