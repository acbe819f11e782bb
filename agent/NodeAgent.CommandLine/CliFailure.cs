namespace NodeAgent.CommandLine;

/// <summary>
/// A failure a command reports to its user: one line, an optional hint, the documented exit code, and for a plan
/// the list of every problem. Thrown by commands and written by <see cref="CliRunner"/> as text or JSON.
/// </summary>
internal sealed class CliFailure(string message, int exitCode, string? hint = null, IReadOnlyList<string>? problems = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public string? Hint { get; } = hint;

    public IReadOnlyList<string> Problems { get; } = problems ?? [];
}
