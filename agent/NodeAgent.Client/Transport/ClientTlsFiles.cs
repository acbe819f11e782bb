using NodeAgent.Contracts.Security;

namespace NodeAgent.Client.Transport;

/// <summary>The client side of mutual TLS: the CA that signs agent certificates, and this caller's own certificate.</summary>
public sealed record ClientTlsFiles(string CaFile, string CertificateFile, string KeyFile)
{
    /// <summary>
    /// Reads the files once, for a caller that opens many channels (the coordinator: one per agent). Loading costs more
    /// CPU than a TLS handshake (the key goes through PKCS#12), so it must not happen per channel.
    /// </summary>
    public ClientTlsMaterial Load() => new(TlsFiles.LoadBundle(CaFile), TlsFiles.LoadCertificate(CertificateFile, KeyFile));
}
