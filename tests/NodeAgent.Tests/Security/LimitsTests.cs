using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Configuration;
using NodeAgent.Contracts.V1;
using NodeAgent.Security;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Security;

/// <summary>Abuse limits: over a limit is RESOURCE_EXHAUSTED, never a crash, a hang for others or a full disk.</summary>
[Trait("Category", "Security")]
public sealed class LimitsTests
{
    [Fact]
    public async Task MutatingCalls_OverThePerMinuteRate_AreRefused_WhileReadsGoOn()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { LimitsYaml = "  mutatingCallsPerMinute: 3\n" });
        for (var i = 0; i < 3; i++)
        {
            await node.Client.CollectGarbageAsync(new CollectGarbageRequest { DryRun = true });
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => node.Client.CollectGarbageAsync(new CollectGarbageRequest { DryRun = true }).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("the limit is 3 (Limits:MutatingCallsPerMinute)", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("test-node", (await node.Client.GetInfoAsync(new GetInfoRequest())).NodeName);
    }

    [Fact]
    public async Task OpenCalls_OverThePerCallerLimit_AreRefused_AndFreedWhenTheyEnd()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { LimitsYaml = "  maxConcurrentCallsPerCaller: 2\n" });
        using var held = TestNode.OpenChannel(node.Socket);
        var holder = new NodeAgentService.NodeAgentServiceClient(held);
        using var cancel = new CancellationTokenSource();
        var uploads = new[] { await StartUploadAsync(holder, 1000, 1, cancel.Token), await StartUploadAsync(holder, 1000, 2, cancel.Token) };

        // Wait for both uploads to be admitted by watching their partial files, not by probing with calls: a probe
        // holds one of the two slots while it runs, and could take the second upload's slot (the old flake).
        var tmp = Path.Combine(node.StateDir, "tmp");
        await Eventually.TrueAsync(() => Task.FromResult(Directory.EnumerateFiles(tmp).Count() == 2), TimeSpan.FromSeconds(20), "both uploads to start writing");

        // A third call, on another connection of the same local user, is over the limit.
        var refused = await Assert.ThrowsAsync<RpcException>(() => node.Client.GetInfoAsync(new GetInfoRequest()).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("Limits:MaxConcurrentCallsPerCaller", refused.Status.Detail, StringComparison.Ordinal);

        await cancel.CancelAsync();
        foreach (var upload in uploads)
        {
            upload.Dispose();
        }

        await Eventually.TrueAsync(
            async () => await MutualTlsTests.StatusOf(() => node.Client.GetInfoAsync(new GetInfoRequest()).ResponseAsync) == StatusCode.OK,
            TimeSpan.FromSeconds(20),
            "calls to be admitted again once the uploads ended");
    }

    [Fact]
    public async Task Uploads_OverTheStagingBytesInFlight_AreRefused_AndLeaveNoPartialFiles()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { LimitsYaml = "  maxStagingBytesInFlight: 1000000\n" });
        using var cancel = new CancellationTokenSource();
        var first = await StartUploadAsync(node.Client, 800_000, 1, cancel.Token);
        await Eventually.TrueAsync(() => Task.FromResult(Directory.EnumerateFiles(Path.Combine(node.StateDir, "tmp")).Any()), TimeSpan.FromSeconds(20), "the first upload to start writing");

        using var second = await StartUploadAsync(node.Client, 300_000, 2, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<RpcException>(() => second.ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("Limits:MaxStagingBytesInFlight", refused.Status.Detail, StringComparison.Ordinal);

        await cancel.CancelAsync();
        first.Dispose();
        await Eventually.TrueAsync(() => Task.FromResult(!Directory.EnumerateFiles(Path.Combine(node.StateDir, "tmp")).Any()), TimeSpan.FromSeconds(20), "the cancelled upload's partial file to be removed");
        var staged = await node.StageAsync("kubelet-v1.17.0");
        Assert.Contains(staged, (await node.Client.ListArtifactsAsync(new ListArtifactsRequest())).Artifacts.Select(a => a.Sha256));
    }

    [Fact]
    public async Task StalledUpload_IsStoppedAfterTheIdleLimit_AndGivesItsStagingBudgetBack()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { LimitsYaml = "  maxStagingBytesInFlight: 1000000\n  uploadIdleSeconds: 1\n" });
        using var stalled = await StartUploadAsync(node.Client, 800_000, 1, CancellationToken.None);

        var stopped = await Assert.ThrowsAsync<RpcException>(() => stalled.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(StatusCode.ResourceExhausted, stopped.StatusCode);
        Assert.Contains("Limits:UploadIdleSeconds", stopped.Status.Detail, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => Task.FromResult(!Directory.EnumerateFiles(Path.Combine(node.StateDir, "tmp")).Any()), TimeSpan.FromSeconds(20), "the stalled upload's partial file to be removed");
        using var next = await StartUploadAsync(node.Client, 300_000, 2, CancellationToken.None);
        var nextOutcome = await Assert.ThrowsAsync<RpcException>(() => next.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Limits:UploadIdleSeconds", nextOutcome.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void MutatingRate_IsASlidingMinute()
    {
        var time = new FakeTimeProvider();
        var limits = new CallLimits(new AgentOptions { Limits = new LimitOptions { MutatingCallsPerMinute = 2 } }, time);
        Assert.Null(limits.Enter("alice", mutating: true).Refusal);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(limits.Enter("alice", mutating: true).Refusal);
        Assert.NotNull(limits.Enter("alice", mutating: true).Refusal);
        Assert.Null(limits.Enter("bob", mutating: true).Refusal);
        Assert.Null(limits.Enter("alice", mutating: false).Refusal);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(limits.Enter("alice", mutating: true).Refusal);
        Assert.NotNull(limits.Enter("alice", mutating: true).Refusal);
    }

    /// <summary>Starts an upload: the header and one chunk, leaving the stream open.</summary>
    private static async Task<AsyncClientStreamingCall<StageArtifactRequest, StageArtifactResponse>> StartUploadAsync(NodeAgentService.NodeAgentServiceClient client, long size, byte fill, CancellationToken cancellationToken)
    {
        var call = client.StageArtifact(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new StageArtifactRequest { Header = new ArtifactHeader { Name = $"held-{fill}", Sha256 = new string((char)('a' + fill), 64), Size = size } }, cancellationToken);
        await call.RequestStream.WriteAsync(new StageArtifactRequest { Chunk = ByteString.CopyFrom(new byte[100]) }, cancellationToken);
        return call;
    }
}
