using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using NodeAgent.Client.Transport;
using NodeAgent.Contracts.Security;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;
using Serilog.Events;

namespace NodeAgent.Tests.Security;

/// <summary>Who is trusted follows the CA bundle's content, never a stale copy, and a certificate names one role.</summary>
[Trait("Category", "Security")]
public sealed class TrustReloadTests
{
    [Fact]
    public async Task ClientCaBundle_DeletedEmptiedOrGarbled_TrustsNobody_UntilItIsRestored()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { TlsPort = StandIn.FreePort(), Metrics = true });
        var pki = node.Pki!;
        var issued = pki.Client("ops", "operator");

        // The client checks the agent against its own copy of the CA: only the agent's bundle is damaged.
        var files = issued with { CaFile = node.Dir.Combine("client-ca.pem") };
        File.Copy(pki.CaBundle, files.CaFile);
        var original = await File.ReadAllBytesAsync(pki.CaBundle);
        Assert.Equal(StatusCode.OK, await FreshCallAsync(node, files));

        var outcomes = new List<StatusCode>();
        foreach (var damage in new Action[]
        {
            () => File.Delete(pki.CaBundle),
            () => File.WriteAllBytes(pki.CaBundle, []),
            () => File.WriteAllText(pki.CaBundle, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n"),
        })
        {
            damage();
            outcomes.Add(await FreshCallAsync(node, files));
            Assert.Contains("nodeagent_client_ca_untrusted 1", await MetricsAsync(node), StringComparison.Ordinal);
        }

        await File.WriteAllBytesAsync(pki.CaBundle, original);
        outcomes.Add(await FreshCallAsync(node, files));

        Assert.All(outcomes.Take(3), AssertHandshakeRefused);
        Assert.Equal(StatusCode.OK, outcomes[^1]);
        Assert.Contains("nodeagent_client_ca_untrusted 0", await MetricsAsync(node), StringComparison.Ordinal);
        Assert.Contains(node.Logs.Messages(LogEventLevel.Error), m => m.Contains("no TLS caller is trusted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClientCaBundle_ReplacedWithTheSameSizeAndTime_IsReloaded()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { TlsPort = StandIn.FreePort() });
        var pki = node.Pki!;
        var issued = pki.Client("ops", "operator");
        var files = issued with { CaFile = node.Dir.Combine("client-ca.pem") };
        File.Copy(pki.CaBundle, files.CaFile);

        // Text outside the PEM block is ignored: pad the bundle so that another CA's fits in the same size.
        await File.WriteAllTextAsync(pki.CaBundle, await File.ReadAllTextAsync(files.CaFile) + new string('#', 300) + "\n");
        Assert.Equal(StatusCode.OK, await FreshCallAsync(node, files));
        var info = new FileInfo(pki.CaBundle);
        var (length, written) = (info.Length, info.LastWriteTimeUtc);

        var other = await File.ReadAllTextAsync(pki.Foreign("unrelated", "monitor").ForeignCa);
        await File.WriteAllTextAsync(pki.CaBundle, other + new string('#', (int)length - other.Length - 1) + "\n");
        File.SetLastWriteTimeUtc(pki.CaBundle, written);

        Assert.Equal(length, new FileInfo(pki.CaBundle).Length);
        AssertHandshakeRefused(await FreshCallAsync(node, files));
    }

    [Fact]
    public async Task Certificate_NamingTwoRoles_IsRefused_WhicheverComesFirst()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { TlsPort = StandIn.FreePort() });
        var pki = node.Pki!;
        var outcomes = new List<StatusCode>();
        foreach (var (name, subject) in new[] { ("two-a", "CN=two-a, OU=admin, OU=monitor, O=NodeAgent"), ("two-b", "CN=two-b, OU=monitor, OU=admin, O=NodeAgent") })
        {
            var (client, channel) = SecureClient.Open(node, pki.ClientWithSubject(name, subject));
            using (channel)
            {
                outcomes.Add(await MutualTlsTests.StatusOf(() => client.CollectGarbageAsync(new CollectGarbageRequest { DryRun = true }).ResponseAsync));
                outcomes.Add(await MutualTlsTests.StatusOf(() => client.GetInfoAsync(new GetInfoRequest()).ResponseAsync));
            }
        }

        Assert.All(outcomes, status => Assert.Equal(StatusCode.Unauthenticated, status));
    }

    [Fact]
    public async Task RefusedCertificate_WithLineBreaksInItsSubject_IsLoggedEscaped()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { TlsPort = StandIn.FreePort() });
        var forged = "evil\n2026-01-01 [INF] Audit: root applied\u000b\0";
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName(forged);
        name.AddOrganizationalUnitName("admin");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(TlsFiles.ClientAuth)], false));
        var now = TimeProvider.System.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
        var files = new ClientTlsFiles(node.Pki!.CaBundle, node.Dir.Combine("forged.pem"), node.Dir.Combine("forged.key"));
        await File.WriteAllTextAsync(files.CertificateFile, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(files.KeyFile, key.ExportPkcs8PrivateKeyPem());

        AssertHandshakeRefused(await FreshCallAsync(node, files));

        var logged = node.Logs.Messages(LogEventLevel.Warning).Where(m => m.Contains("Refused a client certificate", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(logged);
        Assert.All(logged, m => Assert.DoesNotContain(m, c => char.IsControl(c)));
        Assert.Contains(logged, m => m.Contains("evil\\u000a2026", StringComparison.Ordinal));
    }

    /// <summary>
    /// A refused handshake reaches the client as Unavailable, or as Internal when the server resets the connection while
    /// the client is still writing: either way no call got through.
    /// </summary>
    private static void AssertHandshakeRefused(StatusCode status) =>
        Assert.True(status is StatusCode.Unavailable or StatusCode.Internal, $"a handshake that should be refused ended {status}");

    /// <summary>One call on a new connection (a new handshake).</summary>
    private static async Task<StatusCode> FreshCallAsync(TestNode node, ClientTlsFiles files)
    {
        var (client, channel) = SecureClient.Open(node, files);
        using (channel)
        {
            return await MutualTlsTests.StatusOf(() => client.GetInfoAsync(new GetInfoRequest()).ResponseAsync);
        }
    }

    private static async Task<string> MetricsAsync(TestNode node)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{node.MetricsPort}/metrics"));
    }
}
