using AgentCtl.Certs;
using NodeAgent.Client.Transport;

namespace SimFleet;

/// <summary>
/// The fleet's PKI, made with agentctl's certificate code: one CA, a certificate per agent naming its node (and
/// 127.0.0.1), and the coordinator's client certificate with the admin role.
/// </summary>
internal sealed class SimPki
{
    private readonly IssuedCertificate _ca;

    private SimPki(string directory, IssuedCertificate ca)
    {
        Directory = directory;
        _ca = ca;
    }

    public string Directory { get; }

    public string CaBundle => Path.Combine(Directory, "ca.pem");

    public ClientTlsFiles Coordinator => new(CaBundle, Path.Combine(Directory, "coordinator.pem"), Path.Combine(Directory, "coordinator.key"));

    /// <summary>A new CA and coordinator certificate in <paramref name="directory"/>.</summary>
    public static SimPki Create(string directory)
    {
        var now = TimeProvider.System.GetUtcNow();
        var ca = CertificateFactory.CreateAuthority("Simulated fleet CA", now.AddHours(-1), now.AddDays(7));
        ca.Write(directory, "ca");
        CertificateFactory.CreateClient(ca, "coordinator", "admin", [], now.AddHours(-1), now.AddDays(7)).Write(directory, "coordinator");
        return new SimPki(directory, ca);
    }

    /// <summary>The CA that <see cref="Create"/> wrote, to issue agent certificates in another process.</summary>
    public static SimPki Open(string directory) => new(directory, IssuedCertificate.Read(directory, "ca"));

    /// <summary>Writes agent.pem and agent.key for <paramref name="node"/> into <paramref name="nodeDirectory"/>.</summary>
    public void IssueAgent(string node, string nodeDirectory)
    {
        var now = TimeProvider.System.GetUtcNow();
        CertificateFactory.CreateAgent(_ca, node, ["127.0.0.1"], now.AddMinutes(-5), now.AddDays(7)).Write(nodeDirectory, "agent");
    }
}
