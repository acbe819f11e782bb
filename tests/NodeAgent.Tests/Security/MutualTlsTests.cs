using System.Text.Json;
using Grpc.Core;
using NodeAgent.Client.Transport;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Security;

[Trait("Category", "Security")]
public sealed class MutualTlsTests
{
    private static TestNodeOptions Tls(string security = "") => new() { TlsPort = StandIn.FreePort(), SecurityYaml = security };

    [Fact]
    public async Task OperatorCertificate_StagesAndAppliesThroughAgentctl_AndTheAuditTrailNamesIt()
    {
        await using var node = await TestNode.StartAsync(Tls());
        var ops = node.Pki!.Client("ops-alice", "operator");
        string[] remote = ["--node", $"127.0.0.1:{node.Options.TlsPort}", "--tls-ca", ops.CaFile, "--tls-cert", ops.CertificateFile, "--tls-key", ops.KeyFile];

        var staged = await node.CtlAsync([.. remote, "stage", node.Artifact("kubelet-v1.17.0")]);
        Assert.True(staged.ExitCode == 0, staged.Err);
        var digest = TestNode.Digest(node.Artifact("kubelet-v1.17.0"));
        var applied = await node.CtlAsync([.. remote, "apply", "kubelet", "--id", "tls-up-1", "--version", "v1.17.0", "--file", $"binary={digest}"]);
        Assert.True(applied.ExitCode == 0, applied.Err + applied.Out);
        Assert.Equal(File.ReadAllBytes(node.Artifact("kubelet-v1.17.0")), File.ReadAllBytes(node.KubeletBinary));

        var audit = await node.CtlAsync([.. remote, "audit", "--op", "tls-up-1", "-o", "json"]);
        Assert.True(audit.ExitCode == 0, audit.Err);
        using var json = JsonDocument.Parse(audit.Out);
        var entry = Assert.Single(json.RootElement.GetProperty("entries").EnumerateArray());
        Assert.Contains("CN=ops-alice", entry.GetProperty("caller").GetString(), StringComparison.Ordinal);
        Assert.Equal("operator", entry.GetProperty("role").GetString());
        Assert.Equal("mtls", entry.GetProperty("transport").GetString());
        Assert.Equal("Apply", entry.GetProperty("method").GetString());
        Assert.Equal("kubelet", entry.GetProperty("component").GetString());
        Assert.Equal(digest, Assert.Single(entry.GetProperty("digests").EnumerateArray()).GetString());
        Assert.Equal("OK", entry.GetProperty("outcome").GetString());

        var stageEntry = await node.CtlAsync([.. remote, "audit", "--caller", "ops-alice", "-o", "json"]);
        Assert.Contains("\"StageArtifact\"", stageEntry.Out, StringComparison.Ordinal);
    }

    public static TheoryData<string> UntrustedCallers => ["no certificate", "another CA", "expired"];

    [Theory]
    [MemberData(nameof(UntrustedCallers))]
    public async Task UntrustedCaller_IsRefusedAtTheHandshake_AndNothingChanges(string caller)
    {
        await using var node = await TestNode.StartAsync(Tls());
        var before = DiskSnapshot.Take(node);
        var (client, channel) = caller switch
        {
            "no certificate" => SecureClient.Anonymous(node),
            "another CA" => SecureClient.Open(node, node.Pki!.Foreign("mallory", "admin").Files),
            _ => SecureClient.Open(node, node.Pki!.Client("late", "admin", days: -0.01)),
        };
        using (channel)
        {
            AssertHandshakeFailed(await Assert.ThrowsAsync<RpcException>(() => client.ApplyAsync(Apply("evil-1")).ResponseAsync));
            AssertHandshakeFailed(await Assert.ThrowsAsync<RpcException>(() => client.GetInfoAsync(new GetInfoRequest()).ResponseAsync));
        }

        Assert.Empty(before.Diff(DiskSnapshot.Take(node)));
        var (admin, adminChannel) = SecureClient.Open(node, node.Pki!.Client("root-admin", "admin"));
        using (adminChannel)
        {
            Assert.Empty((await admin.ListOperationsAsync(new ListOperationsRequest())).Operations);
        }
    }

    [Fact]
    public async Task MonitorCertificate_CallingApply_IsPermissionDenied_AndNothingChanges()
    {
        await using var node = await TestNode.StartAsync(Tls());
        var digest = await node.StageAsync("kubelet-v1.17.0");
        var before = DiskSnapshot.Take(node);
        var (monitor, channel) = SecureClient.Open(node, node.Pki!.Client("grafana", "monitor"));
        using (channel)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => monitor.ApplyAsync(Apply("mon-1", digest)).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
            Assert.Equal("role monitor may not call Apply; it needs operator or above", refused.Status.Detail);
            Assert.Equal("test-node", (await monitor.GetInfoAsync(new GetInfoRequest())).NodeName);
        }

        Assert.Empty(before.Diff(DiskSnapshot.Take(node)));
        var audit = await node.CtlAsync("audit", "--caller", "grafana", "-o", "json");
        using var json = JsonDocument.Parse(audit.Out);
        var entry = Assert.Single(json.RootElement.GetProperty("entries").EnumerateArray());
        Assert.Equal("PermissionDenied", entry.GetProperty("outcome").GetString());
        Assert.Equal("mon-1", entry.GetProperty("operationId").GetString());
    }

    [Fact]
    public async Task EachRole_GetsExactlyItsCalls()
    {
        await using var node = await TestNode.StartAsync(Tls());
        var digest = await node.StageAsync("kubelet-v1.17.0");
        var outcomes = new Dictionary<string, StatusCode>(StringComparer.Ordinal);
        foreach (var role in new[] { "monitor", "peer", "operator", "admin" })
        {
            var (client, channel) = SecureClient.Open(node, node.Pki!.Client($"as-{role}", role));
            using (channel)
            {
                outcomes[$"{role} GetInfo"] = await StatusOf(() => client.GetInfoAsync(new GetInfoRequest()).ResponseAsync);
                outcomes[$"{role} ReadArtifact"] = await StatusOf(async () =>
                {
                    using var read = client.ReadArtifact(new ReadArtifactRequest { Sha256 = digest });
                    while (await read.ResponseStream.MoveNext(CancellationToken.None))
                    {
                    }
                });
                outcomes[$"{role} CollectGarbage"] = await StatusOf(() => client.CollectGarbageAsync(new CollectGarbageRequest { DryRun = true }).ResponseAsync);
                outcomes[$"{role} ListAuditEntries"] = await StatusOf(() => client.ListAuditEntriesAsync(new ListAuditEntriesRequest()).ResponseAsync);
            }
        }

        var expected = new Dictionary<string, StatusCode>(StringComparer.Ordinal)
        {
            ["monitor GetInfo"] = StatusCode.OK,
            ["monitor ReadArtifact"] = StatusCode.PermissionDenied,
            ["monitor CollectGarbage"] = StatusCode.PermissionDenied,
            ["monitor ListAuditEntries"] = StatusCode.PermissionDenied,
            ["peer GetInfo"] = StatusCode.PermissionDenied,
            ["peer ReadArtifact"] = StatusCode.OK,
            ["peer CollectGarbage"] = StatusCode.PermissionDenied,
            ["peer ListAuditEntries"] = StatusCode.PermissionDenied,
            ["operator GetInfo"] = StatusCode.OK,
            ["operator ReadArtifact"] = StatusCode.OK,
            ["operator CollectGarbage"] = StatusCode.PermissionDenied,
            ["operator ListAuditEntries"] = StatusCode.OK,
            ["admin GetInfo"] = StatusCode.OK,
            ["admin ReadArtifact"] = StatusCode.OK,
            ["admin CollectGarbage"] = StatusCode.OK,
            ["admin ListAuditEntries"] = StatusCode.OK,
        };
        Assert.Equal(expected, outcomes);
    }

    [Fact]
    public async Task StreamingReflection_IsGatedLikeEveryOtherCall()
    {
        await using var node = await TestNode.StartAsync(Tls() with { AgentYaml = "api:\n  reflection: true\n" });
        var outcomes = new List<StatusCode>();
        foreach (var role in new[] { "peer", "monitor" })
        {
            var (_, channel) = SecureClient.Open(node, node.Pki!.Client($"reflect-{role}", role));
            using (channel)
            {
                var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel);
                outcomes.Add(await StatusOf(async () =>
                {
                    using var call = reflection.ServerReflectionInfo();
                    await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
                    await call.RequestStream.CompleteAsync();
                    while (await call.ResponseStream.MoveNext(CancellationToken.None))
                    {
                    }
                }));
            }
        }

        Assert.Equal([StatusCode.PermissionDenied, StatusCode.OK], outcomes);
    }

    [Fact]
    public async Task CaRemovedFromTheBundle_StopsCallsOnConnectionsAlreadyOpen()
    {
        await using var node = await TestNode.StartAsync(Tls());
        var pki = node.Pki!;
        var (client, channel) = SecureClient.Open(node, pki.Client("long-lived", "operator"));
        using (channel)
        {
            Assert.Equal(StatusCode.OK, await StatusOf(() => client.GetInfoAsync(new GetInfoRequest()).ResponseAsync));
            var (_, otherCa) = pki.Foreign("unrelated", "monitor");
            File.Copy(otherCa, pki.CaBundle, overwrite: true);

            var refused = await Assert.ThrowsAsync<RpcException>(() => client.GetInfoAsync(new GetInfoRequest()).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
            Assert.Contains("not issued by the configured CA", refused.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RoleMapping_ByCommonNameAndUri_ReplacesTheOuDefault()
    {
        await using var node = await TestNode.StartAsync(Tls("""
              roleMapping:
                - { cn: ci-bot, role: operator }
                - { uri: "spiffe://test/dashboards", role: monitor }
            """));
        var pki = node.Pki!;
        var outcomes = new List<StatusCode>();
        foreach (var files in new[]
        {
            pki.Client("ci-bot", "monitor"),
            pki.Client("dash", "admin", uris: ["spiffe://test/dashboards"]),
            pki.Client("alice", "admin"),
        })
        {
            var (client, channel) = SecureClient.Open(node, files);
            using (channel)
            {
                outcomes.Add(await StatusOf(() => client.ListAuditEntriesAsync(new ListAuditEntriesRequest()).ResponseAsync));
                outcomes.Add(await StatusOf(() => client.GetInfoAsync(new GetInfoRequest()).ResponseAsync));
            }
        }

        Assert.Equal(
            [StatusCode.OK, StatusCode.OK, StatusCode.PermissionDenied, StatusCode.OK, StatusCode.Unauthenticated, StatusCode.Unauthenticated],
            outcomes);
    }

    [Fact]
    public async Task AgentCertificate_ForAnotherNode_IsRefusedByAgentctl()
    {
        await using var node = await TestNode.StartAsync(Tls());
        var ops = node.Pki!.Client("ops", "operator");
        var result = await node.CtlAsync("--node", $"127.0.0.1:{node.Options.TlsPort}", "--server-name", "node-b",
            "--tls-ca", ops.CaFile, "--tls-cert", ops.CertificateFile, "--tls-key", ops.KeyFile, "status");

        Assert.True(result.ExitCode == 5, $"exit {result.ExitCode}: {result.Err}");
        Assert.Contains("cannot reach the agent", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentCertificate_FromACaTheCallerDoesNotTrust_IsRefusedByAgentctl()
    {
        await using var node = await TestNode.StartAsync(Tls());
        var ops = node.Pki!.Client("ops", "operator");
        var (_, otherCa) = node.Pki.Foreign("stranger", "operator");
        var result = await node.CtlAsync("--node", $"127.0.0.1:{node.Options.TlsPort}", "--server-name", TestPki.NodeName,
            "--tls-ca", otherCa, "--tls-cert", ops.CertificateFile, "--tls-key", ops.KeyFile, "status");

        Assert.True(result.ExitCode == 5, $"exit {result.ExitCode}: {result.Err}");
        Assert.Contains("cannot reach the agent", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotatedCertificateAndCaBundle_TakeEffectWithoutARestart()
    {
        await using var node = await TestNode.StartAsync(Tls());
        var pki = node.Pki!;
        var admin = pki.Client("admin", "admin");
        Assert.True(await ReachesAsync(node, admin, TestPki.NodeName));

        pki.RotateAgent("renamed-node");
        Assert.True(await ReachesAsync(node, admin, "renamed-node"));
        Assert.False(await ReachesAsync(node, admin, TestPki.NodeName));

        var (foreign, foreignCa) = pki.Foreign("partner", "monitor");
        var trusted = new ClientTlsFiles(pki.CaBundle, foreign.CertificateFile, foreign.KeyFile);
        Assert.False(await ReachesAsync(node, trusted, "renamed-node"));
        await File.AppendAllTextAsync(pki.CaBundle, await File.ReadAllTextAsync(foreignCa));
        Assert.True(await ReachesAsync(node, trusted, "renamed-node"));
    }

    /// <summary>True when GetInfo succeeds over a new connection; false when either side refuses the TLS handshake.</summary>
    private static async Task<bool> ReachesAsync(TestNode node, ClientTlsFiles tls, string serverName)
    {
        var (client, channel) = SecureClient.Open(node, tls, serverName);
        using (channel)
        {
            try
            {
                await client.GetInfoAsync(new GetInfoRequest());
                return true;
            }
            catch (RpcException ex)
            {
                AssertHandshakeFailed(ex);
                return false;
            }
        }
    }

    /// <summary>The call never reached the agent's handlers: the TLS connection itself was refused.</summary>
    private static void AssertHandshakeFailed(RpcException refused)
    {
        Assert.True(refused.StatusCode is StatusCode.Unavailable or StatusCode.Internal, refused.ToString());
        Assert.True(refused.Status.DebugException is HttpRequestException or IOException, refused.ToString());
    }

    internal static async Task<StatusCode> StatusOf(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    private static ApplyRequest Apply(string id, string digest = "") => new()
    {
        OperationId = id,
        Component = "kubelet",
        TargetVersion = "v1.17.0",
        Files = { new TargetFile { Role = "binary", Sha256 = digest.Length > 0 ? digest : new string('a', 64) } },
    };
}
