namespace NodeAgent.Security;

/// <summary>
/// Who is calling, as far as the transport proves it. <see cref="Role"/> is null when the caller is known but
/// admitted to nothing (a non-root local user, a certificate no mapping rule matches); <see cref="Refusal"/> says why.
/// </summary>
internal sealed record CallerIdentity(string Name, string Transport, AgentRole? Role, string? Refusal)
{
    public const string Unix = "unix";
    public const string MutualTls = "mtls";
    public const string Plaintext = "plaintext";
}
