namespace NodeAgent;

/// <summary>Who this agent is, for GetInfo.</summary>
internal sealed record AgentIdentity(string NodeName, string Version, DateTimeOffset StartedAt, string ServiceManager);
