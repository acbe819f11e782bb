namespace SimFleet;

/// <summary>
/// One fleet process: agents for the nodes numbered <see cref="First"/> to First + <see cref="Agents"/> - 1 and
/// <see cref="AgentlessHosts"/> more hosts with the same simulated services but no agent (for the Ansible baseline).
/// </summary>
internal sealed record SimFleetOptions(string Directory, string PkiDirectory, int First, int Agents, int AgentlessHosts, SimTimings Timings);
