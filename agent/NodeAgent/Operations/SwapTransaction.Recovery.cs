namespace NodeAgent.Operations;

/// <summary>Crash recovery of an apply or rollback found unfinished at start, through the same table and loop.</summary>
internal sealed partial class SwapTransaction
{
    /// <summary>
    /// Undo it if the swap had not begun; an apply cut in half by the crash is rolled back, an explicit rollback cut in
    /// half is finished (its purpose is to get back to the old version, and every file of it is already written);
    /// otherwise carry on from the journaled step. The record's files were checked against the catalog at load
    /// (<see cref="OperationJournal"/>); its links are checked here.
    /// </summary>
    public async Task<OperationRecord> RecoverAsync(OperationRecord op, CancellationToken cancellationToken)
    {
        var component = catalog.Find(op.Component);
        if (component is null)
        {
            return finisher.Finish(op, OpState.RollbackFailed, $"component {op.Component} is no longer in the catalog; check its files by hand");
        }

        if (op.Links.Select(l => LinkPlanner.Check(l, component)).FirstOrDefault(p => p is not null) is { } mismatch)
        {
            return finisher.Finish(op, OpState.RollbackFailed, $"the journal does not match the catalog ({mismatch}); nothing was done, check {component.Name}'s files by hand");
        }

        if (op.Step < OpStep.Swapping)
        {
            return Abort(op, component, "the agent stopped before the swap began (crash or restart)");
        }

        if (op.Step == OpStep.Swapping && op.Kind == OpKind.Apply)
        {
            op = EnterRollback(op, "the agent stopped in the middle of the swap");
        }
        else if (op.Step is OpStep.Restarting or OpStep.Restarted or OpStep.Stable || op.Step == OpStep.Healthy && op.StableUntil is null)
        {
            // In the stability window (Healthy) the main PID must not change: a process gone during the outage fails the window.
            // A journal from an agent without the window (Healthy, no StableUntil) meant "healthy, checks pending".
            op = await EnsureRunningAfterCrashAsync(op, component, cancellationToken);
        }

        return await DriveAsync(op, component, cancellationToken);
    }

    /// <summary>
    /// The service was (being) restarted when the agent went down. Once restarted, if it is not running now (the
    /// node rebooted, or the process manager's child died with it), start it. Either way the new version gets a
    /// whole health timeout from now, not what was left of it before the outage.
    /// </summary>
    private async Task<OperationRecord> EnsureRunningAfterCrashAsync(OperationRecord op, Configuration.CatalogComponent component, CancellationToken cancellationToken)
    {
        var status = await services.GetStatusAsync(component.Unit, cancellationToken);
        if (!status.Active && op.Step != OpStep.Restarting)
        {
            await services.StartAsync(component.Unit, cancellationToken);
            status = await services.GetStatusAsync(component.Unit, cancellationToken);
        }

        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(op.HealthTimeoutSeconds);
        return registry.Update(op.Id, op.Step, $"recovering after an agent restart: {component.Unit} is {status.Describe()}", r => r with
        {
            NewMainPid = r.Step != OpStep.Restarting ? status.MainPid : r.NewMainPid,
            HealthDeadline = deadline,
        });
    }
}
