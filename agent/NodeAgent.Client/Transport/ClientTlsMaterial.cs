using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using NodeAgent.Contracts.Security;

namespace NodeAgent.Client.Transport;

/// <summary>
/// The loaded client side of mutual TLS: the CA bundle agents must chain to, and this caller's certificate with its key.
/// What every handshake needs is prepared once here: the certificate's context (its chain, otherwise built again per
/// handshake) and the chain policy that trusts exactly <see cref="Roots"/>, so the handshake's own chain build is the
/// only one.
/// </summary>
public sealed record ClientTlsMaterial(X509Certificate2Collection Roots, X509Certificate2 Certificate)
{
    private readonly Lazy<SslStreamCertificateContext> _context = new(() => SslStreamCertificateContext.Create(Certificate, additionalCertificates: null, offline: true));

    /// <summary>This caller's certificate as every handshake presents it.</summary>
    public SslStreamCertificateContext Context => _context.Value;

    /// <summary>The chain policy for an agent's certificate: chains to <see cref="Roots"/> and nothing else, allows server authentication.</summary>
    public X509ChainPolicy AgentPolicy { get; } = TlsFiles.ChainPolicy(Roots, TlsFiles.ServerAuth);
}
