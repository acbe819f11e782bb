using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NodeAgent.Contracts.Security;

namespace AgentCtl.Certs;

/// <summary>A certificate with its private key, as PEM files.</summary>
internal sealed record IssuedCertificate(X509Certificate2 Certificate, ECDsa Key)
{
    public void Write(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        var certificatePath = Path.Combine(directory, $"{name}.pem");
        var keyPath = Path.Combine(directory, $"{name}.key");
        if (File.Exists(certificatePath) || File.Exists(keyPath))
        {
            throw new IOException($"{certificatePath} or {keyPath} already exists; remove it or choose another --out");
        }

        WritePrivate(keyPath, Key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, Certificate.ExportCertificatePem() + "\n");
    }

    /// <summary>Creates a new file readable by its owner only (mode 0600 on Unix) holding a private key.</summary>
    public static void WritePrivate(string path, string pem)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(path, options);
        using var writer = new StreamWriter(file);
        writer.Write(pem);
    }

    public static IssuedCertificate Read(string directory, string name)
    {
        var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(directory, $"{name}.pem"));
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(Path.Combine(directory, $"{name}.key")));
        return new IssuedCertificate(certificate, key);
    }
}

/// <summary>
/// Creates a small PKI with System.Security.Cryptography only: a CA, agent (server) certificates naming the node, and
/// client certificates whose OU is the role. All keys are ECDSA P-256; signatures SHA-256.
/// </summary>
internal static class CertificateFactory
{
    public static IssuedCertificate CreateAuthority(string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(name)}, O=NodeAgent"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var selfSigned = request.CreateSelfSigned(notBefore, notAfter);
        return new IssuedCertificate(X509CertificateLoader.LoadCertificate(selfSigned.RawData), key);
    }

    /// <summary>An agent's certificate: CN and a DNS SAN of the node name, plus a SAN for every address.</summary>
    public static IssuedCertificate CreateAgent(IssuedCertificate authority, string node, IEnumerable<string> addresses, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(node);
        foreach (var address in addresses)
        {
            if (IPAddress.TryParse(address, out var ip))
            {
                names.AddIpAddress(ip);
            }
            else
            {
                names.AddDnsName(address);
            }
        }

        return Issue(authority, $"CN={Escape(node)}, OU=agent, O=NodeAgent", TlsFiles.ServerAuth, names, notBefore, notAfter);
    }

    /// <summary>A caller's certificate: CN is who (a person, "coordinator"), OU is the role the agent gives it by default.</summary>
    public static IssuedCertificate CreateClient(IssuedCertificate authority, string name, string role, IEnumerable<string> uris, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var names = new SubjectAlternativeNameBuilder();
        var any = false;
        foreach (var uri in uris)
        {
            names.AddUri(new Uri(uri));
            any = true;
        }

        return Issue(authority, $"CN={Escape(name)}, OU={Escape(role)}, O=NodeAgent", TlsFiles.ClientAuth, any ? names : null, notBefore, notAfter);
    }

    private static IssuedCertificate Issue(IssuedCertificate authority, string subject, string purpose, SubjectAlternativeNameBuilder? names, DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        Issue(authority, new X500DistinguishedName(subject), purpose, names, notBefore, notAfter);

    /// <summary>Issues a leaf for any distinguished name (the tests use it for odd subjects: two OUs, hostile text).</summary>
    internal static IssuedCertificate Issue(IssuedCertificate authority, X500DistinguishedName subject, string purpose, SubjectAlternativeNameBuilder? names, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(purpose)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority.Certificate, true, false));
        if (names is not null)
        {
            request.CertificateExtensions.Add(names.Build());
        }

        // A leaf may not be valid outside its CA's validity.
        var start = notBefore > authority.Certificate.NotBefore ? notBefore : new DateTimeOffset(authority.Certificate.NotBefore);
        var end = notAfter < authority.Certificate.NotAfter ? notAfter : new DateTimeOffset(authority.Certificate.NotAfter);
        using var signer = authority.Certificate.CopyWithPrivateKey(authority.Key);
        using var issued = request.Create(signer, start, end, RandomNumberGenerator.GetBytes(16));
        return new IssuedCertificate(X509CertificateLoader.LoadCertificate(issued.RawData), key);
    }

    /// <summary>Names go into a distinguished name: refuse the characters that would change its structure.</summary>
    private static string Escape(string value) =>
        value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ' ')
            ? value
            : throw new ArgumentException($"\"{value}\" must be 1-64 letters, digits, '.', '-', '_' or spaces");
}
