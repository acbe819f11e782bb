using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using NodeAgent.Contracts;
using NodeAgent.Contracts.Security;

namespace NodeAgent.Client.Transport;

/// <summary>
/// How agentctl and the coordinator reach an agent: "unix:/path" (local socket), "host:port" over mutual TLS when
/// <see cref="ClientTlsFiles"/> are given, or plaintext HTTP/2 (which agents only accept on loopback).
/// </summary>
public static class AgentTransport
{
    /// <summary>
    /// The base address and HTTP handler for a gRPC channel to <paramref name="address"/>. Over TLS the agent's
    /// certificate must chain to the CA and name <paramref name="serverName"/> (the node name) as a SAN.
    /// </summary>
    public static (Uri Address, SocketsHttpHandler Handler) Create(string address, ClientTlsFiles? tls, string? serverName) =>
        Create(AgentAddress.Parse(address), tls, serverName);

    /// <inheritdoc cref="Create(string, ClientTlsFiles?, string?)"/>
    public static (Uri Address, SocketsHttpHandler Handler) Create(AgentAddress address, ClientTlsFiles? tls, string? serverName) =>
        Create(address, tls?.Load(), serverName);

    /// <inheritdoc cref="Create(string, ClientTlsFiles?, string?)"/>
    public static (Uri Address, SocketsHttpHandler Handler) Create(AgentAddress address, ClientTlsMaterial? tls, string? serverName)
    {
        if (address.SocketPath is { } socket)
        {
            return (new Uri("http://localhost"), UnixSocketHandler.Create(socket));
        }

        if (tls is null)
        {
            return (new Uri($"http://{address.Authority}"), new SocketsHttpHandler());
        }

        var expected = serverName is { Length: > 0 } ? serverName : address.Host!;
        // The handshake builds the agent's chain once, with the policy that trusts only the CA bundle: the callback
        // reads that verdict (RemoteCertificateChainErrors otherwise) and adds the checks a policy cannot express.
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = expected,
                ClientCertificateContext = tls.Context,
                CertificateChainPolicy = tls.AgentPolicy,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    errors == SslPolicyErrors.None && certificate is X509Certificate2 agent && CheckName(agent, expected) is null,
            },
        };
        return (new Uri($"https://{address.Authority}"), handler);
    }

    /// <summary>Null when the agent's certificate chains to <paramref name="roots"/> and names <paramref name="expectedName"/>; else why not.</summary>
    public static string? CheckAgent(X509Certificate2 agent, X509Certificate2Collection roots, string expectedName) =>
        TlsFiles.CheckChain(agent, roots, TlsFiles.ServerAuth) ?? CheckName(agent, expectedName);

    /// <summary>What the chain cannot check: the agent's certificate allows server authentication and names <paramref name="expectedName"/> (no wildcard, no common name).</summary>
    private static string? CheckName(X509Certificate2 agent, string expectedName) =>
        TlsFiles.CheckUsage(agent, TlsFiles.ServerAuth)
        ?? (agent.MatchesHostname(expectedName, allowWildcards: false, allowCommonName: false)
            ? null
            : $"certificate \"{agent.Subject}\" does not name {expectedName} among its subject alternative names");
}
