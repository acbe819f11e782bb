namespace NodeAgent.Operations;

/// <summary>Why a request was refused; the gRPC layer maps each kind to one status code.</summary>
internal enum AgentErrorKind
{
    InvalidArgument,
    FailedPrecondition,
    AlreadyExists,
    NotFound,
    Aborted,
    ResourceExhausted,
    Unavailable,
    PermissionDenied,
}

/// <summary>A refusal with a message that tells the caller what to fix. Never used for bugs.</summary>
internal sealed class AgentException(AgentErrorKind kind, string message) : Exception(message)
{
    public AgentErrorKind Kind { get; } = kind;

    public static AgentException Invalid(string field, string problem) => new(AgentErrorKind.InvalidArgument, $"{field}: {problem}");
}
