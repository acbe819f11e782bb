namespace NodeAgent.Security;

/// <summary>
/// Who is calling, as far as the transport proves it. <see cref="Role"/> is null when the caller is known but
/// admitted to nothing (a non-root local user, a certificate no mapping rule matches); <see cref="Refusal"/> says why.
/// </summary>
internal sealed record CallerIdentity(string Name, string Transport, AgentRole? Role, string? Refusal)
{
    /// <summary>Whose limits a call counts against: the certificate subject, or the local uid (not the pid).</summary>
    public string LimitKey { get; init; } = Name;

    public const string Unix = "unix";
    public const string MutualTls = "mtls";
    public const string Plaintext = "plaintext";
}
