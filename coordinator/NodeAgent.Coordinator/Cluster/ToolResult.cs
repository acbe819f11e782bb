namespace NodeAgent.Coordinator.Cluster;

/// <summary>What a finished command-line tool wrote and how it exited.</summary>
internal sealed record ToolResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;
}
