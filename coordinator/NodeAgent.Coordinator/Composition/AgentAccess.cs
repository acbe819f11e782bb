using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Composition;

/// <summary>
/// A plan's agents as a command reaches them: one cached channel per agent and the <see cref="IAgentClient"/> over
/// them. Disposing it closes the channels.
/// </summary>
internal sealed class AgentAccess : IDisposable
{
    private readonly AgentClientPool _pool;

    private AgentAccess(AgentClientPool pool, IAgentClient client)
    {
        _pool = pool;
        Client = client;
    }

    public IAgentClient Client { get; }

    /// <summary>
    /// Opens the channels with the plan's retries, TLS and policy; <paramref name="policy"/> and
    /// <paramref name="retries"/> override the plan's (a quick check asks once, with a short deadline), and
    /// <paramref name="operationExtra"/> lengthens the follow of an operation (see <see cref="GrpcAgentClient"/>).
    /// </summary>
    public static AgentAccess Open(Plan plan, RolloutPolicy? policy = null, int? retries = null, TimeSpan operationExtra = default)
    {
        var pool = new AgentClientPool(retries ?? plan.Policy.Retries, plan.Tls);
        return new AgentAccess(pool, new GrpcAgentClient(pool, policy ?? plan.Policy, TimeProvider.System, operationExtra));
    }

    public void Dispose() => _pool.Dispose();
}
