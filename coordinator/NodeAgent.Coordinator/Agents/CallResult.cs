namespace NodeAgent.Coordinator.Agents;

/// <summary>The value of one agent call, or why it failed. Fan-out code never sees an exception from a node.</summary>
internal readonly record struct CallResult<T>(T? Value, string? Error)
    where T : class
{
    public bool Ok => Error is null;

    public static CallResult<T> Success(T value) => new(value, null);

    public static CallResult<T> Failure(string error) => new(null, error);
}
