namespace NodeAgent.Security;

/// <summary>What a caller may do. Each role includes the calls of the roles below it, except peer.</summary>
internal enum AgentRole
{
    /// <summary>Another agent: ReadArtifact only (peer-to-peer distribution).</summary>
    Peer,

    /// <summary>Read-only: GetInfo, health, lists, operations, markers.</summary>
    Monitor,

    /// <summary>Monitor, plus stage, fetch, apply, rollback, restart/stop/start, backup, marker writes and the audit trail.</summary>
    Operator,

    /// <summary>Every call, including garbage collection.</summary>
    Admin,
}

/// <summary>The method-to-role table: deny by default.</summary>
internal static class AgentRoles
{
    private const string AgentService = "/nodeagent.v1.NodeAgentService/";
    private const string ClaimService = "/nodeagent.v1.NodeClaimService/";
    private const string DistributionService = "/nodeagent.v1.NodeDistributionService/";

    private static readonly Dictionary<string, AgentRole> Minimum = new(StringComparer.Ordinal)
    {
        ["GetInfo"] = AgentRole.Monitor,
        ["ListArtifacts"] = AgentRole.Monitor,
        ["VerifyArtifact"] = AgentRole.Monitor,
        ["GetOperation"] = AgentRole.Monitor,
        ["WatchOperation"] = AgentRole.Monitor,
        ["ListOperations"] = AgentRole.Monitor,
        ["GetMarker"] = AgentRole.Monitor,
        ["ReadArtifact"] = AgentRole.Operator,
        ["StageArtifact"] = AgentRole.Operator,
        ["Apply"] = AgentRole.Operator,
        ["Rollback"] = AgentRole.Operator,
        ["RestartComponent"] = AgentRole.Operator,
        ["StopComponent"] = AgentRole.Operator,
        ["StartComponent"] = AgentRole.Operator,
        ["Backup"] = AgentRole.Operator,
        ["WriteMarker"] = AgentRole.Operator,
        ["ClearMarker"] = AgentRole.Operator,
        ["ListAuditEntries"] = AgentRole.Operator,
        ["CollectGarbage"] = AgentRole.Admin,
    };

    /// <summary>The node claim (claims.proto): a rollout takes and gives up its own; only an admin breaks another's.</summary>
    private static readonly Dictionary<string, AgentRole> ClaimMinimum = new(StringComparer.Ordinal)
    {
        ["GetClaim"] = AgentRole.Monitor,
        ["AcquireClaim"] = AgentRole.Operator,
        ["ReleaseClaim"] = AgentRole.Operator,
        ["BreakClaim"] = AgentRole.Admin,
    };

    private static readonly HashSet<string> Mutating = new(StringComparer.Ordinal)
    {
        "StageArtifact", "CollectGarbage", "Apply", "Rollback", "RestartComponent", "StopComponent", "StartComponent", "Backup", "WriteMarker", "ClearMarker",
    };

    /// <summary>Read-only services every monitor may use: gRPC health and reflection.</summary>
    private static readonly string[] MonitorServices = ["/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.ServerReflection/"];

    public static string Names { get; } = "admin, operator, monitor, peer";

    public static bool TryParse(string? text, out AgentRole role)
    {
        role = text switch
        {
            "admin" => AgentRole.Admin,
            "operator" => AgentRole.Operator,
            "monitor" => AgentRole.Monitor,
            "peer" => AgentRole.Peer,
            _ => (AgentRole)(-1),
        };
        return Enum.IsDefined(role);
    }

    public static string Name(AgentRole role) => role.ToString().ToLowerInvariant();

    /// <summary>The short method name ("Apply") of a full gRPC method ("/nodeagent.v1.NodeAgentService/Apply").</summary>
    public static string ShortName(string method) => method[(method.LastIndexOf('/') + 1)..];

    public static bool IsMutating(string method) =>
        (method.StartsWith(AgentService, StringComparison.Ordinal) && Mutating.Contains(ShortName(method)))
        || (method.StartsWith(ClaimService, StringComparison.Ordinal) && ShortName(method) != "GetClaim")
        || method == DistributionService + "FetchArtifact";

    /// <summary>Null when <paramref name="role"/> may call <paramref name="method"/>; otherwise why not.</summary>
    public static string? Check(AgentRole role, string method)
    {
        AgentRole? needed = method.StartsWith(AgentService, StringComparison.Ordinal)
            ? Minimum.TryGetValue(ShortName(method), out var minimum) ? minimum : null
            : method.StartsWith(ClaimService, StringComparison.Ordinal)
            ? ClaimMinimum.TryGetValue(ShortName(method), out var claimMinimum) ? claimMinimum : null
            : method == DistributionService + "FetchArtifact" ? AgentRole.Operator
            : MonitorServices.Any(s => method.StartsWith(s, StringComparison.Ordinal)) ? AgentRole.Monitor : null;
        if (needed is null)
        {
            return $"{InputText(method)} is not a call this agent serves to anyone";
        }

        if (role == AgentRole.Peer)
        {
            return ShortName(method) == "ReadArtifact" ? null : $"role peer may only call ReadArtifact, not {ShortName(method)}";
        }

        return role >= needed
            ? null
            : $"role {Name(role)} may not call {ShortName(method)}; it needs {Name(needed.Value)}{(needed == AgentRole.Admin ? "" : " or above")}";
    }

    /// <summary>Whether a method's (unary) request has options that need a higher role than the method itself.</summary>
    public static bool HasRoleOptions(string method) => method == AgentService + "Apply";

    /// <summary>Null unless the request asks for something above the role: a downgrade (allow_downgrade) is the admin's.</summary>
    public static string? CheckOptions(AgentRole role, Google.Protobuf.IMessage? request) =>
        request is Contracts.V1.ApplyRequest { AllowDowngrade: true } && role < AgentRole.Admin
            ? $"role {Name(role)} may not set allow_downgrade on Apply; a downgrade needs admin"
            : null;

    private static string InputText(string method) => Validation.InputRules.Shorten(method);
}
