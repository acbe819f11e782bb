namespace NodeAgent.Coordinator.Engine.Procedure;

/// <summary>
/// Runs one step of every cluster hook in the order given; a hook's <see cref="CoordinatorException"/> stops the
/// rollout, except a lost leadership, which goes up as it is (a replaced leader undoes nothing).
/// </summary>
internal sealed class HookSteps(IReadOnlyList<IRolloutHook> hooks, IRolloutObserver progress)
{
    /// <summary>The hooks in registration order.</summary>
    public IReadOnlyList<IRolloutHook> All => hooks;

    public Task<PhaseOutcome?> AfterControlPlaneNodeAsync(CancellationToken cancellationToken) =>
        RunAsync(hooks, "after a control-plane node", h => h.AfterControlPlaneNodeAsync(cancellationToken));

    public async Task<PhaseOutcome?> RunAsync(IReadOnlyList<IRolloutHook> ordered, string when, Func<IRolloutHook, Task> step)
    {
        foreach (var hook in ordered)
        {
            progress.Say($"{hook.Name}: {when}");
            try
            {
                await step(hook);
            }
            catch (CoordinatorException ex) when (ex is not Journal.Etcd.LeadershipLostException)
            {
                return PhaseOutcome.Failed($"{hook.Name} ({when}): {ex.Message}");
            }
        }

        return null;
    }
}
