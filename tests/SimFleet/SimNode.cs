namespace SimFleet;

/// <summary>A simulated node: its name, its agent's mutual-TLS address (empty for an agentless host) and its directory.</summary>
internal sealed record SimNode(string Name, string Address, string Directory);
