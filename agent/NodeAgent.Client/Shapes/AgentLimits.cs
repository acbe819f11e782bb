namespace NodeAgent.Client.Shapes;

/// <summary>The agent's limits that every caller must respect, in one place.</summary>
public static class AgentLimits
{
    /// <summary>The longest id the agent accepts (operation ids, journal ids, claim holders).</summary>
    public const int MaxIdLength = 128;

    /// <summary>The size of one chunk of an artifact upload (the agent's own chunk size).</summary>
    public const int ChunkSize = 1024 * 1024;
}
