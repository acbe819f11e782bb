namespace NodeAgent.Client.Operations;

/// <summary>
/// How long to follow an operation: the stream ends at <see cref="FinishBy"/> at the latest; each read of the
/// operation has <see cref="CallTimeout"/> (none when null); a lost agent (UNAVAILABLE) is reconnected to for <see cref="ReconnectFor"/>.
/// </summary>
public sealed record FollowOptions(DateTime? FinishBy, TimeSpan? CallTimeout, TimeSpan ReconnectFor)
{
    /// <summary>Told why the watch was lost each time it reconnects (agentctl prints it).</summary>
    public Action<string>? OnReconnect { get; init; }
}
