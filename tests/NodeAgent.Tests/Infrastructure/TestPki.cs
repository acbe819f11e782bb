using AgentCtl.Certs;
using NodeAgent.Client.Transport;
using NodeAgent.Contracts.Security;

namespace NodeAgent.Tests.Infrastructure;

/// <summary>
/// A throwaway PKI made with agentctl's certificate factory: a CA, the agent's certificate for "test-node" and
/// 127.0.0.1, and client certificates made on demand.
/// </summary>
internal sealed class TestPki
{
    public const string NodeName = "test-node";

    private readonly IssuedCertificate _ca;

    public TestPki(string directory)
    {
        Directory = directory;
        var now = TimeProvider.System.GetUtcNow();
        _ca = CertificateFactory.CreateAuthority("Test CA", now.AddHours(-2), now.AddDays(30));
        _ca.Write(directory, "ca");
        CertificateFactory.CreateAgent(_ca, NodeName, ["127.0.0.1"], now.AddMinutes(-5), now.AddDays(30)).Write(directory, "agent");
    }

    public string Directory { get; }

    public string CaBundle => Path.Combine(Directory, "ca.pem");

    public string AgentCertificate => Path.Combine(Directory, "agent.pem");

    public string AgentKey => Path.Combine(Directory, "agent.key");

    /// <summary>A client certificate of this CA with the role as its OU; valid from an hour ago for <paramref name="days"/> days.</summary>
    public ClientTlsFiles Client(string name, string role, double days = 30, IEnumerable<string>? uris = null)
    {
        var now = TimeProvider.System.GetUtcNow();
        return Write(CertificateFactory.CreateClient(_ca, name, role, uris ?? [], now.AddHours(-1), now.AddDays(days)), name, CaBundle);
    }

    /// <summary>A client certificate of this CA with any distinguished name (for example two OUs), for tests of odd subjects.</summary>
    public ClientTlsFiles ClientWithSubject(string name, string subject)
    {
        var now = TimeProvider.System.GetUtcNow();
        return Write(CertificateFactory.Issue(_ca, new System.Security.Cryptography.X509Certificates.X500DistinguishedName(subject), TlsFiles.ClientAuth, null, now.AddHours(-1), now.AddDays(30)), name, CaBundle);
    }

    /// <summary>A client certificate of this CA for <paramref name="subject"/>, in memory only.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 Issue(System.Security.Cryptography.X509Certificates.X500DistinguishedName subject)
    {
        var now = TimeProvider.System.GetUtcNow();
        return CertificateFactory.Issue(_ca, subject, TlsFiles.ClientAuth, null, now.AddHours(-1), now.AddDays(30)).Certificate;
    }

    /// <summary>
    /// A client certificate with the given role from a different CA the agent does not trust; that CA's certificate is
    /// written to clients/NAME-ca.pem.
    /// </summary>
    public (ClientTlsFiles Files, string ForeignCa) Foreign(string name, string role)
    {
        var now = TimeProvider.System.GetUtcNow();
        var other = CertificateFactory.CreateAuthority("Other CA", now.AddMinutes(-5), now.AddDays(30));
        var files = Write(CertificateFactory.CreateClient(other, name, role, [], now.AddMinutes(-5), now.AddDays(30)), name, CaBundle);
        var foreignCa = Path.Combine(Directory, "clients", name + "-ca.pem");
        File.WriteAllText(foreignCa, other.Certificate.ExportCertificatePem() + "\n");
        return (files, foreignCa);
    }

    /// <summary>Replaces the agent's certificate with a new one for <paramref name="node"/> (as a rotation would).</summary>
    public void RotateAgent(string node)
    {
        var now = TimeProvider.System.GetUtcNow();
        var fresh = CertificateFactory.CreateAgent(_ca, node, ["127.0.0.1"], now.AddMinutes(-5), now.AddDays(30));
        var staging = Path.Combine(Directory, "rotate");
        fresh.Write(staging, "agent");
        File.Move(Path.Combine(staging, "agent.key"), AgentKey, overwrite: true);
        File.Move(Path.Combine(staging, "agent.pem"), AgentCertificate, overwrite: true);
        System.IO.Directory.Delete(staging);
    }

    private ClientTlsFiles Write(IssuedCertificate certificate, string name, string ca)
    {
        var directory = Path.Combine(Directory, "clients");
        certificate.Write(directory, name);
        return new ClientTlsFiles(ca, Path.Combine(directory, name + ".pem"), Path.Combine(directory, name + ".key"));
    }
}
