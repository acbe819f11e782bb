using Grpc.Core;

namespace AgentCtl;

/// <summary>agentctl's exit codes, documented in the README. Scripts rely on them: never renumber.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The operation ran and failed, or was rolled back (the node is on its old version and healthy).</summary>
    public const int OperationFailed = 1;

    /// <summary>Bad command line or a request the agent rejected as invalid.</summary>
    public const int Usage = 2;

    /// <summary>Unknown component, blob or operation.</summary>
    public const int NotFound = 3;

    /// <summary>Operation id reused with another request, component busy, or not allowed in the current state.</summary>
    public const int Conflict = 4;

    /// <summary>The agent could not be reached or is not ready.</summary>
    public const int Unavailable = 5;

    /// <summary>Over a limit: artifact too large, disk full.</summary>
    public const int ResourceExhausted = 6;

    /// <summary>The rollback itself failed: the component needs a human.</summary>
    public const int RollbackFailed = 7;

    /// <summary>Permission denied by the agent.</summary>
    public const int PermissionDenied = 8;

    /// <summary>A bug in the agent or agentctl.</summary>
    public const int Internal = 10;

    public static int FromStatus(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange => Usage,
        StatusCode.NotFound => NotFound,
        StatusCode.AlreadyExists or StatusCode.Aborted or StatusCode.FailedPrecondition => Conflict,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled => Unavailable,
        StatusCode.ResourceExhausted => ResourceExhausted,
        StatusCode.PermissionDenied or StatusCode.Unauthenticated => PermissionDenied,
        _ => Internal,
    };
}
