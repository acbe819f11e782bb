namespace NodeAgent.Coordinator.Agents;

/// <summary>
/// The value of one agent call, or why it failed. Fan-out code never sees an exception from a node.
/// <see cref="Refused"/> says the agent answered with a refusal (nothing was started); otherwise a failure means
/// no answer, and whatever was asked may or may not be running on the node.
/// </summary>
internal readonly record struct CallResult<T>(T? Value, string? Error, bool Refused)
    where T : class
{
    public bool Ok => Error is null;

    public static CallResult<T> Success(T value) => new(value, null, false);

    public static CallResult<T> Failure(string error, bool refused) => new(null, error, refused);
}
