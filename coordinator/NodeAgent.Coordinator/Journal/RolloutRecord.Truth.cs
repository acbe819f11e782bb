namespace NodeAgent.Coordinator.Journal;

/// <summary>What status shows: the journal's state, corrected by whether a coordinator is running at all.</summary>
internal sealed partial record RolloutRecord
{
    /// <summary>
    /// Running or paused only while a coordinator holds the journal's lock (<paramref name="locked"/>); otherwise the
    /// rollout was interrupted (its coordinator killed or lost), and the message says how to go on or give up.
    /// </summary>
    public RolloutRecord AsSeen(bool locked) =>
        locked || State is not (RolloutStates.Running or RolloutStates.Paused)
            ? this
            : this with
            {
                State = RolloutStates.Interrupted,
                Message = $"no coordinator is running it (last phase {(Phase.Length > 0 ? Phase : "none")}; it was {State}): run rollout {PlanPath} again to resume, or abort {Id} and then rollout once more to undo its cluster steps",
            };
}
