using Microsoft.Extensions.Logging;
using NodeAgent.Checks;
using NodeAgent.Configuration;
using NodeAgent.Health;
using NodeAgent.Services;
using NodeAgent.Store;
using NodeAgent.Testing;

namespace NodeAgent.Operations;

/// <summary>
/// Apply and Rollback as one journaled transaction, resumable from any journaled step: re-verify, journal, keep old
/// files, write new files beside their targets, marker, rename + directory fsync, reload units, restart, health; on
/// failure put the old files back the same way. The steps are a table (<see cref="Transitions"/>) driven by one loop
/// (<see cref="DriveAsync"/>) that run, recovery, failure and rollback all use. Facets: <c>.Table</c> (the table),
/// <c>.Steps</c> (the forward handlers), <c>.Files</c> (writing and renaming), <c>.Rollback</c>, <c>.Recovery</c>, <c>.Log</c>.
/// </summary>
internal sealed partial class SwapTransaction(
    OperationRegistry registry,
    ArtifactStore store,
    ComponentCatalog catalog,
    IServiceManager services,
    ComponentProber prober,
    OperationFinisher finisher,
    ApplyChecks checks,
    ApplyPreflight preflight,
    StabilityWatch stability,
    Failpoints failpoints,
    TimeProvider time,
    ILogger<SwapTransaction> logger)
{
    /// <summary>Runs an apply or rollback from wherever its journal says it is, to a terminal state.</summary>
    public Task<OperationRecord> RunAsync(OperationRecord op, CancellationToken cancellationToken) =>
        DriveAsync(op, catalog.Find(op.Component)!, cancellationToken);

    /// <summary>
    /// The one loop: run the handler of the current step under its deadline until the operation is terminal. A failure
    /// (an exception or a missed deadline) goes to <see cref="Fail"/>, which aborts, enters the rollback, or ends it.
    /// </summary>
    private async Task<OperationRecord> DriveAsync(OperationRecord op, CatalogComponent component, CancellationToken cancellationToken)
    {
        while (!op.IsTerminal)
        {
            var transition = Transitions[op.Step];
            var now = time.GetUtcNow();
            using var deadline = new CancellationTokenSource(transition.Deadline(op, now) - now, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            try
            {
                var next = await transition.Handler(this, op, component, linked.Token);
                if (!next.IsTerminal && next.Step == op.Step)
                {
                    throw new InvalidOperationException($"the handler of step {op.Step} did not move the operation on");
                }

                op = next;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The handler may have journaled part of its work: fail from the latest snapshot, not the one it started from.
                var reason = deadline.IsCancellationRequested ? $"step {op.Step} did not finish by its deadline" : Reason(ex);
                op = Fail(registry.Get(op.Id) ?? op, component, reason);
            }
        }

        return op;
    }

    /// <summary>Before the renames: abort. After them: roll back. In the rollback itself: give up loudly.</summary>
    private OperationRecord Fail(OperationRecord op, CatalogComponent component, string reason)
    {
        LogFailed(op.Id, op.Component, op.Step, reason);
        if (op.Step < OpStep.Swapping)
        {
            return Abort(op, component, reason);
        }

        if (op.Step < OpStep.RollingBack)
        {
            return EnterRollback(op, reason);
        }

        LogRollbackFailed(op.Id, op.Component, reason);
        return finisher.Finish(op, OpState.RollbackFailed, $"{op.Message}; the rollback failed: {reason}");
    }

    /// <summary>Journals the decision to roll back, with its reason as the operation's message; the table does the rest.</summary>
    private OperationRecord EnterRollback(OperationRecord op, string reason) =>
        registry.Update(op.Id, OpStep.RollingBack, $"rolling back: {reason}", r => r with { Message = reason });

    private static string Reason(Exception ex) => ex switch
    {
        AgentException or ServiceManagerException or IOException or UnauthorizedAccessException => ex.Message,
        _ => $"unexpected error ({ex.GetType().Name}: {ex.Message})",
    };

    private static string Describe(OperationRecord op) =>
        string.Join(", ", op.Files.Select(f => $"{f.Role} {Short(f.OldDigest)} -> {Short(f.NewDigest)}")
            .Concat(op.Links.Select(l => $"link {l.LinkPath}: {l.OldTarget} -> {l.NewTarget}")));

    private static string Short(string? digest) => digest is null ? "(none)" : digest[..12];
}
