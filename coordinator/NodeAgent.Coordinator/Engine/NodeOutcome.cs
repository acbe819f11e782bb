namespace NodeAgent.Coordinator.Engine;

/// <summary>What happened to one node in a rollout.</summary>
internal sealed record NodeOutcome(string Node, string State, string FromVersion, string ToVersion, string Reason, int Restarts, TimeSpan Duration)
{
    public bool Ok => State == Journal.NodeStates.Succeeded;
}
