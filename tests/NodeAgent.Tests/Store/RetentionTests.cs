using Grpc.Core;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;
using NodeAgent.Tests.Operations;

namespace NodeAgent.Tests.Store;

[Trait("Category", "AgentCore")]
public sealed class RetentionTests
{
    [Fact]
    public async Task Gc_KeepsCurrentPreviousAndBackupsAndRemovesTheRest()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { GcMinAgeHours = 0 });
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        var oldDigest = TestNode.Digest(node.KubeletBinary);
        var unused = await node.StageAsync("kubelet-v1.18.0");
        var applied = await node.CtlAsync("apply", "kubelet", "--id", "gc-1", "--version", "v1.17.0", "--file", $"binary={node.Artifact("kubelet-v1.17.0")}");
        var newDigest = TestNode.Digest(node.KubeletBinary);
        Assert.Equal(0, applied.ExitCode);

        var gc = await node.Client.CollectGarbageAsync(new CollectGarbageRequest());

        Assert.Equal([unused], gc.Removed);
        var left = (await node.Client.ListArtifactsAsync(new ListArtifactsRequest())).Artifacts.ToDictionary(a => a.Sha256);
        Assert.Contains("kubelet current binary", left[newDigest].RetainedBy);
        Assert.Contains("kubelet previous binary (operation gc-1)", left[oldDigest].RetainedBy);
        var rollback = await node.CtlAsync("rollback", "kubelet", "--id", "gc-undo");
        Assert.Equal(0, rollback.ExitCode);
        Assert.Equal(oldDigest, TestNode.Digest(node.KubeletBinary));
    }

    [Fact]
    public async Task Gc_RecentlyStagedBlob_IsKeptForTheComingWindow()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { GcMinAgeHours = 72 });
        var staged = await node.StageAsync("kubelet-v1.18.0");

        var gc = await node.Client.CollectGarbageAsync(new CollectGarbageRequest());

        Assert.Empty(gc.Removed);
        var blob = Assert.Single((await node.Client.ListArtifactsAsync(new ListArtifactsRequest())).Artifacts);
        Assert.Equal(staged, blob.Sha256);
        Assert.Contains("staged less than 72 h ago", blob.RetainedBy);
    }

    [Fact]
    public async Task StageStream_ClientCancelsMidStream_NoPartialFileAndNothingStored()
    {
        await using var node = await TestNode.StartAsync();
        using var cancel = new CancellationTokenSource();
        using var call = node.Client.StageArtifact(cancellationToken: cancel.Token);
        await call.RequestStream.WriteAsync(new StageArtifactRequest { Header = new ArtifactHeader { Name = "half", Sha256 = new string('b', 64), Size = 4 * 1024 * 1024 } });
        await call.RequestStream.WriteAsync(new StageArtifactRequest { Chunk = Google.Protobuf.ByteString.CopyFrom(new byte[512 * 1024]) });
        var temp = Path.Combine(node.StateDir, "tmp");
        await Eventually.TrueAsync(() => Task.FromResult(Directory.EnumerateFiles(temp).Any()), TimeSpan.FromSeconds(10), "the upload to start");

        await cancel.CancelAsync();

        await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        await Eventually.TrueAsync(() => Task.FromResult(!Directory.EnumerateFiles(temp).Any()), TimeSpan.FromSeconds(10), "the partial upload to be removed");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(node.StateDir, "blobs", "sha256")));
    }
}
