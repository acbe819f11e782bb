namespace NodeAgent.Tests.Engine;

/// <summary>One call the engine made to a fake agent, in the order made, with the fake time it was made at.</summary>
internal sealed record AgentCall(long Sequence, DateTimeOffset At, string Node, string Kind, string Component, string OperationId);
