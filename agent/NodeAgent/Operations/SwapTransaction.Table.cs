namespace NodeAgent.Operations;

/// <summary>The transition table: which handler runs from each non-terminal step, and by when it must be done.</summary>
internal sealed partial class SwapTransaction
{
    private static readonly TimeSpan FileWork = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan QuickStep = TimeSpan.FromMinutes(2);

    /// <summary>Every non-terminal step has exactly one row (asserted by a test); <see cref="OpStep.Done"/> has none.</summary>
    internal static readonly IReadOnlyDictionary<OpStep, SwapStep> Transitions = new SwapStep[]
    {
        new(OpStep.Accepted, (s, op, c, ct) => s.PrepareAsync(op, c, ct), (_, now) => now + FileWork),
        new(OpStep.Prepared, (s, op, _, ct) => s.BackUpAsync(op, ct), (_, now) => now + FileWork),
        new(OpStep.BackedUp, (s, op, _, ct) => s.WriteNewFilesAsync(op, ct), (_, now) => now + FileWork),
        new(OpStep.Written, (s, op, c, _) => Task.FromResult(s.WriteMarker(op, c)), (_, now) => now + QuickStep),
        new(OpStep.MarkerWritten, (s, op, _, _) => Task.FromResult(s.Swap(op)), (_, now) => now + QuickStep),
        new(OpStep.Swapping, (s, op, _, _) => Task.FromResult(s.Swap(op)), (_, now) => now + QuickStep),
        new(OpStep.Swapped, (s, op, _, ct) => s.ReloadAsync(op, ct), (_, now) => now + QuickStep),
        new(OpStep.Reloaded, (s, op, c, ct) => s.BeginRestartAsync(op, c, ct), (_, now) => now + QuickStep),
        new(OpStep.Restarting, (s, op, c, ct) => s.RestartAsync(op, c, ct), AfterHealthDeadline),
        new(OpStep.Restarted, (s, op, c, ct) => s.WaitHealthyAsync(op, c, ct), AfterHealthDeadline),
        new(OpStep.Healthy, (s, op, c, ct) => s.WatchStabilityAsync(op, c, ct), (op, now) => (op.StableUntil is { } until && until > now ? until : now) + QuickStep),
        new(OpStep.Stable, (s, op, c, ct) => s.CompleteAsync(op, c, ct), (op, now) => now + TimeSpan.FromSeconds(op.ConnectionSoakSeconds) + QuickStep),
        new(OpStep.RollingBack, (s, op, c, ct) => s.RestoreFilesAsync(op, c, ct), (_, now) => now + FileWork),
        new(OpStep.Restored, (s, op, c, ct) => s.RestartOldAsync(op, c, ct), (op, now) => now + TimeSpan.FromSeconds(op.HealthTimeoutSeconds) + QuickStep),
    }.ToDictionary(t => t.Step);

    /// <summary>Waiting for the new process and its health ends at the journaled health deadline; the step gets a little more.</summary>
    private static DateTimeOffset AfterHealthDeadline(OperationRecord op, DateTimeOffset now) =>
        (op.HealthDeadline is { } deadline && deadline > now ? deadline : now + TimeSpan.FromSeconds(op.HealthTimeoutSeconds)) + QuickStep;
}
