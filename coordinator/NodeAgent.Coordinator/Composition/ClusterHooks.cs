using NodeAgent.Coordinator.Engine;

namespace NodeAgent.Coordinator.Composition;

/// <summary>The cluster hooks of one rollout, in registration order; disposing them ends what they keep alive (the silence's renewal).</summary>
internal sealed class ClusterHooks(IReadOnlyList<IRolloutHook> all) : IDisposable
{
    public IReadOnlyList<IRolloutHook> All => all;

    public void Dispose()
    {
        foreach (var hook in all.OfType<IDisposable>())
        {
            hook.Dispose();
        }
    }
}
