using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using NodeAgent.Contracts.Security;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Security;

/// <summary>Agents configured with a release public key apply only what a manifest signed by that key lists.</summary>
[Trait("Category", "Security")]
public sealed class SignatureTests : IDisposable
{
    private readonly TempDir _keys = new();

    public SignatureTests()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = global::AgentCtl.AgentCtlApp.RunAsync(["certs", "release-key", "--out", _keys.Path], output, error, CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(code == 0, error.ToString());
    }

    private string PublicKey => _keys.Combine("release.pub");

    private string PrivateKey => _keys.Combine("release.key");

    public static TheoryData<string> BadSignatures =>
        ["unsigned", "signed by another key", "for another version", "listed for another component", "listed for another role", "expired", "not canonical", "signature of garbage"];

    [Theory]
    [MemberData(nameof(BadSignatures))]
    public async Task Apply_WithoutAValidSignedManifest_IsPermissionDenied_AndNothingChanges(string flaw)
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { SecurityYaml = $"  releasePublicKey: {PublicKey}\n" });
        var digest = await node.StageAsync("kubelet-v1.17.0");
        var request = ApplyOf(digest);
        using var release = Load(PrivateKey);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var expires = TimeProvider.System.GetUtcNow().AddDays(1);
        var good = new ReleaseManifest("v1.17.0", expires, [new ManifestFile("kubelet", "binary", digest)]);
        request.SignedManifest = flaw switch
        {
            "unsigned" => null,
            "signed by another key" => Signed(good, stranger),
            "for another version" => Signed(good with { Version = "v1.18.0" }, release),
            "listed for another component" => Signed(good with { Files = [new ManifestFile("kube-proxy", "binary", digest)] }, release),
            "listed for another role" => Signed(good with { Files = [new ManifestFile("kubelet", "config", digest)] }, release),
            "expired" => Signed(good with { Expires = TimeProvider.System.GetUtcNow().AddMinutes(-1) }, release),
            "not canonical" => SignedBytes(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(good.ToCanonicalBytes()).Replace("\n", "\r\n", StringComparison.Ordinal)), release),
            _ => new SignedManifest { Manifest = ByteString.CopyFrom(good.ToCanonicalBytes()), Signature = ByteString.CopyFrom(new byte[7]) },
        };
        var before = DiskSnapshot.Take(node);

        var refused = await Assert.ThrowsAsync<RpcException>(() => node.Client.ApplyAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.StartsWith("signed_manifest: ", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(before.Diff(DiskSnapshot.Take(node)));
    }

    [Fact]
    public async Task PlanSignedWithSign_RollsOutOverMutualTls_AndAgentctlAppliesItsManifest()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { TlsPort = StandIn.FreePort(), SecurityYaml = $"  releasePublicKey: {PublicKey}\n" });
        var coordinator = node.Pki!.Client("coordinator", "operator");
        var planPath = node.Dir.Combine("plan.yaml");
        var artifact = node.Artifact("kubelet-v1.17.0");
        await File.WriteAllTextAsync(planPath, $$"""
            rollout: signed-17
            targetVersion: v1.17.0
            artifacts:
              - { name: kubelet-v1.17.0, sha256: {{TestNode.Digest(artifact)}}, size: {{new FileInfo(artifact).Length}}, source: {{artifact}} }
            components:
              worker:
                - { name: kubelet, files: { binary: kubelet-v1.17.0 } }
            inventory:
              - { name: {{TestPki.NodeName}}, role: worker, address: "127.0.0.1:{{node.Options.TlsPort}}" }
            tls:
              ca: {{coordinator.CaFile}}
              certificate: {{coordinator.CertificateFile}}
              key: {{coordinator.KeyFile}}
            policy:
              healthTimeout: 30s

            """);

        var manifestPath = node.Dir.Combine("release.manifest");
        var sign = await CoordinatorAsync("sign", planPath, "--key", PrivateKey, "--manifest-out", manifestPath);
        Assert.True(sign.ExitCode == 0, sign.Err);
        var section = sign.Out[sign.Out.IndexOf("signature:", StringComparison.Ordinal)..];
        await File.AppendAllTextAsync(planPath, section);

        await Operations.ApplyTests.HealthyStatusAsync(node, "kubelet");
        var journal = node.Dir.Combine("journal.db");
        var stage = await CoordinatorAsync("--journal", journal, "stage", planPath);
        Assert.True(stage.ExitCode == 0, stage.Err + stage.Out);
        var rollout = await CoordinatorAsync("--journal", journal, "rollout", planPath, "--plain", "--report-dir", node.Dir.Combine("reports"));
        Assert.True(rollout.ExitCode == 0, rollout.Err + rollout.Out);
        Assert.Equal(await File.ReadAllBytesAsync(artifact), await File.ReadAllBytesAsync(node.KubeletBinary));

        // The same manifest and signature through agentctl, for a hand-run apply.
        await node.CtlAsync("rollback", "kubelet", "--id", "back-1");
        var signature = section.Split('\n').Single(l => l.StartsWith("  value: ", StringComparison.Ordinal))["  value: ".Length..].Trim();
        var applied = await node.CtlAsync("apply", "kubelet", "--id", "by-hand-1", "--version", "v1.17.0", "--file", $"binary={TestNode.Digest(artifact)}",
            "--manifest", manifestPath, "--signature", signature);
        Assert.True(applied.ExitCode == 0, applied.Err + applied.Out);
    }

    public void Dispose() => _keys.Dispose();

    private static async Task<CliResult> CoordinatorAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CoordinatorCli.RunAsync(args, output, error, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    private static ApplyRequest ApplyOf(string digest) => new()
    {
        OperationId = "signed-apply-1",
        Component = "kubelet",
        TargetVersion = "v1.17.0",
        Files = { new TargetFile { Role = "binary", Sha256 = digest } },
    };

    private static ECDsa Load(string path)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(path));
        return key;
    }

    private static SignedManifest Signed(ReleaseManifest manifest, ECDsa key) => SignedBytes(manifest.ToCanonicalBytes(), key);

    private static SignedManifest SignedBytes(byte[] manifest, ECDsa key) => new()
    {
        Manifest = ByteString.CopyFrom(manifest),
        Signature = ByteString.CopyFrom(key.SignData(manifest, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)),
    };
}
