using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NodeAgent.Contracts.Security;

/// <summary>
/// Loading PEM certificates, keys and CA bundles, and checking a peer's certificate against a CA bundle. Shared by
/// the agent (server side), agentctl and the coordinator (client side).
/// </summary>
public static class TlsFiles
{
    /// <summary>Extended key usage OID of a TLS server certificate.</summary>
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    /// <summary>Extended key usage OID of a TLS client certificate.</summary>
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    /// <summary>Loads a PEM certificate and its PEM private key (PKCS#8, EC or RSA) as one certificate usable by SslStream.</summary>
    public static X509Certificate2 LoadCertificate(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform (Windows needs a stored key).
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Loads every certificate of a PEM bundle; an empty bundle is an error.</summary>
    public static X509Certificate2Collection LoadBundle(string path)
    {
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(path);
        if (bundle.Count == 0)
        {
            throw new CryptographicException($"{path} holds no PEM certificate");
        }

        return bundle;
    }

    /// <summary>
    /// Checks that <paramref name="certificate"/> chains to one of <paramref name="roots"/> (and nothing else),
    /// is valid now and carries <paramref name="purpose"/>. Returns null when it does, or why not.
    /// </summary>
    public static string? CheckChain(X509Certificate2 certificate, X509Certificate2Collection roots, string purpose, X509Certificate2Collection? intermediates = null)
    {
        using var chain = new X509Chain { ChainPolicy = ChainPolicy(roots, purpose, intermediates) };
        if (chain.Build(certificate))
        {
            return CheckUsage(certificate, purpose);
        }

        var reasons = chain.ChainStatus.Select(s => s.Status).Distinct().Select(Describe);
        return $"certificate \"{certificate.Subject}\" is not acceptable: {string.Join("; ", reasons)}";
    }

    /// <summary>
    /// The chain policy of <see cref="CheckChain"/>: trusts <paramref name="roots"/> and nothing else, checks no
    /// revocation, downloads nothing, and requires <paramref name="purpose"/> when the certificate restricts its usages.
    /// </summary>
    public static X509ChainPolicy ChainPolicy(X509Certificate2Collection roots, string purpose, X509Certificate2Collection? intermediates = null)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(roots);
        policy.ApplicationPolicy.Add(new Oid(purpose));
        if (intermediates is not null)
        {
            policy.ExtraStore.AddRange(intermediates);
        }

        return policy;
    }

    /// <summary>
    /// Null when <paramref name="certificate"/> names <paramref name="purpose"/> among its extended key usages. A chain
    /// policy passes a certificate without the extension for any purpose: this requires it.
    /// </summary>
    public static string? CheckUsage(X509Certificate2 certificate, string purpose)
    {
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>());
        return usages.Any(u => u.Value == purpose)
            ? null
            : $"certificate \"{certificate.Subject}\" is not acceptable: it has no extended key usage {(purpose == ClientAuth ? "clientAuth" : "serverAuth")}";
    }

    private static string Describe(X509ChainStatusFlags flag) => flag switch
    {
        X509ChainStatusFlags.NotTimeValid => "it is expired or not yet valid",
        X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain => "it is not issued by the configured CA",
        X509ChainStatusFlags.NotValidForUsage => "its extended key usage does not allow this use",
        X509ChainStatusFlags.NotSignatureValid => "its signature is not valid",
        _ => flag.ToString(),
    };
}
