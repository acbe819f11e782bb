using Grpc.Core;
using Grpc.Net.Client;
using NodeAgent.Configuration;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;
using NodeAgent.Validation;

namespace NodeAgent.Tests.Security;

/// <summary>Shapes are ASCII, malformed bytes are the caller's error, and every refusal leaves a useful trace.</summary>
[Trait("Category", "Security")]
public sealed class TextAndShapeTests
{
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(bytes => bytes, bytes => bytes);

    [Theory]
    [InlineData("v\u0661.\u0661\u0660.\u0661\u0661")]
    [InlineData("v\uff11.\uff11\uff17.\uff10")]
    [InlineData("v1.17.0\n")]
    public void Version_WithNonAsciiDigitsOrControls_IsRefused(string version) =>
        Assert.NotNull(InputRules.CheckVersion(version));

    [Fact]
    public async Task Apply_WithArabicIndicDigitsInItsVersion_IsInvalidArgument()
    {
        await using var node = await TestNode.StartAsync();

        var refused = await Assert.ThrowsAsync<RpcException>(() => node.Client.ApplyAsync(new ApplyRequest
        {
            OperationId = "unicode-digits",
            Component = "kubelet",
            TargetVersion = "v\u0661.\u0661\u0660.\u0661\u0661",
            Files = { new TargetFile { Role = "binary", Sha256 = new string('a', 64) } },
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.False(File.Exists(node.MarkerPath));
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("192.0.2.77")]
    public void TcpAddress_ThatCannotBeBound_IsRefusedAtValidation(string address)
    {
        var options = new AgentOptions
        {
            StateDir = "/var/lib/nodeagent",
            Listeners = new ListenerOptions { UnixSocket = "", Tcp = new TcpListenerOptions { Enabled = true, Address = address, Port = 7443, Plaintext = address.StartsWith("::", StringComparison.Ordinal) } },
            Security = new SecurityOptions { AllowUnsignedReleases = true },
        };

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.Contains(result.Failures!, f => f.StartsWith("Listeners:Tcp:Address:", StringComparison.Ordinal) && f.Contains(address, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("GetInfo", new byte[] { 0x0b })]
    [InlineData("GetInfo", new byte[] { 0x0a, 0x05, 0x01 })]
    [InlineData("Apply", new byte[] { 0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f })]
    public async Task MalformedProtobuf_IsInvalidArgument_NotUnknown(string method, byte[] body)
    {
        await using var node = await TestNode.StartAsync();

        var status = await SendRawAsync(node, method, body);

        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.Contains("not a valid", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeeplyNestedMessage_IsInvalidArgument_BeforeTheParserRecurses()
    {
        await using var node = await TestNode.StartAsync();

        // Apply.marker (field 5) holding itself as an unknown length-delimited field is fine; 200 start-group tags are not.
        var status = await SendRawAsync(node, "Apply", [.. Enumerable.Repeat((byte)0x0b, 200)]);

        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
    }

    [Fact]
    public async Task RefusedStageArtifact_IsAudited_WithTheDigestItsHeaderNamed()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { TcpPort = StandIn.FreePort(), SecurityYaml = "  plaintextRole: monitor\n" });
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{node.Options.TcpPort}");
        var monitor = new NodeAgentService.NodeAgentServiceClient(channel);
        var digest = new string('d', 64);

        using var upload = monitor.StageArtifact();
        await upload.RequestStream.WriteAsync(new StageArtifactRequest { Header = new ArtifactHeader { Name = "sneaky", Sha256 = digest, Size = 10 } });
        var refused = await Assert.ThrowsAsync<RpcException>(() => upload.ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        var entry = Assert.Single((await node.Client.ListAuditEntriesAsync(new ListAuditEntriesRequest { Caller = "plaintext" })).Entries);
        Assert.Equal(("StageArtifact", digest), (entry.Method, Assert.Single(entry.Digests)));
    }

    private static async Task<Status> SendRawAsync(TestNode node, string method, byte[] body)
    {
        using var channel = TestNode.OpenChannel(node.Socket);
        var call = new Method<byte[], byte[]>(MethodType.Unary, "nodeagent.v1.NodeAgentService", method, Raw, Raw);
        var refused = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(call, null, new CallOptions(), body).ResponseAsync);
        return refused.Status;
    }
}
