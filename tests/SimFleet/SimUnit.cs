namespace SimFleet;

/// <summary>One simulated unit's state after its last start.</summary>
internal sealed record SimUnit(long Pid, DateTimeOffset HealthyAt, bool Broken, DateTimeOffset? DiesAt, int Restarts);
