namespace NodeAgent.Operations;

/// <summary>
/// Journaled steps, in order. A recorded step means it is done, except <see cref="Swapping"/>,
/// <see cref="Restarting"/> and <see cref="RollingBack"/>, which mean "begun, may be partly done", and
/// <see cref="Healthy"/>, which means "first healthy answer seen, stability window running until StableUntil".
/// Which handler runs from each step, and its deadline, is <see cref="SwapTransaction.Transitions"/>.
/// </summary>
internal enum OpStep
{
    Accepted,
    Prepared,
    BackedUp,
    Written,
    MarkerWritten,
    Swapping,
    Swapped,
    Reloaded,
    Restarting,
    Restarted,
    Healthy,
    Stable,
    RollingBack,
    Restored,
    Done,
}
