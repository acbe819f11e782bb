using System.Security.Cryptography;
using Grpc.Core;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;
using static NodeAgent.Tests.Distribution.FetchRequests;

using SimFleet.Distribution;

namespace NodeAgent.Tests.Distribution;

/// <summary>FetchArtifact on real agents on loopback: origin, peers over mutual TLS, lies, failures and the rate limit.</summary>
[Trait("Category", "Distribution")]
public sealed class FetchArtifactTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task FetchArtifact_FromOriginThenPeer_BothStoreTheVerifiedBlob()
    {
        await using var fleet = await DistributionFleet.StartAsync(2);
        var artifact = fleet.AddArtifact("kubelet", (5 * MiB) + 123);

        var fromOrigin = await fleet.Distribution("node-00").FetchArtifactAsync(await ForAsync(artifact, Url(fleet, artifact)));
        var fromPeer = await fleet.Distribution("node-01").FetchArtifactAsync(await ForAsync(artifact, Peer(fleet, "node-00")));

        Assert.True(fromOrigin.Complete);
        Assert.True(fromPeer.Complete);
        Assert.Equal(FetchSourceOutcome.Ok, fromPeer.Sources.Single().Outcome);
        Assert.Equal(artifact.Size, fromPeer.Sources.Single().Bytes);
        Assert.Equal(artifact.Size, fleet.Origin.EgressBytes);
        foreach (var node in new[] { "node-00", "node-01" })
        {
            Assert.Equal(artifact.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(fleet.BlobPath(node, artifact.Sha256)))));
            var verified = await fleet.Agent(node).VerifyArtifactAsync(new VerifyArtifactRequest { Sha256 = artifact.Sha256 });
            Assert.Equal(ArtifactIntegrity.Ok, verified.Artifact.Integrity);
        }

        var again = await fleet.Distribution("node-01").FetchArtifactAsync(await ForAsync(artifact, Url(fleet, artifact)));
        Assert.True(again.AlreadyPresent);
        Assert.Equal(artifact.Size, fleet.Origin.EgressBytes);
    }

    [Fact]
    public async Task FetchArtifact_LyingPeer_DetectedReportedAndRoutedAround()
    {
        await using var fleet = await DistributionFleet.StartAsync(2);
        var artifact = fleet.AddArtifact("kube-proxy", 4 * MiB);
        var corrupt = File.ReadAllBytes(artifact.Source);
        corrupt[(2 * MiB) + 17] ^= 0xFF;
        fleet.Plant("node-00", artifact.Sha256, corrupt);

        var response = await fleet.Distribution("node-01").FetchArtifactAsync(await ForAsync(artifact, Peer(fleet, "node-00"), Url(fleet, artifact)));

        Assert.True(response.Complete);
        var liar = response.Sources[0];
        Assert.Equal(FetchSourceOutcome.Lied, liar.Outcome);
        Assert.Contains("chunk 2", liar.Message, StringComparison.Ordinal);
        Assert.Equal(2 * MiB, liar.Bytes);
        Assert.Equal(FetchSourceOutcome.Ok, response.Sources[1].Outcome);
        Assert.Equal(2 * MiB, response.Sources[1].StartedAt);
        Assert.Equal(2 * MiB, fleet.Origin.EgressBytes);
        Assert.Equal(File.ReadAllBytes(artifact.Source), File.ReadAllBytes(fleet.BlobPath("node-01", artifact.Sha256)));
    }

    [Fact]
    public async Task FetchArtifact_SourceKilledMidTransfer_ResumesFromAnotherSourceWithoutStartingOver()
    {
        await using var fleet = await DistributionFleet.StartAsync(2, serveLimit: 2 * MiB);
        var artifact = fleet.AddArtifact("kubelet", 10 * MiB);
        await fleet.Distribution("node-00").FetchArtifactAsync(await ForAsync(artifact, Url(fleet, artifact)));
        var before = fleet.Origin.EgressBytes;

        var fetch = fleet.Distribution("node-01").FetchArtifactAsync(await ForAsync(artifact, Peer(fleet, "node-00"), Url(fleet, artifact))).ResponseAsync;
        await Eventually.TrueAsync(() => Task.FromResult(File.Exists(fleet.PartialPath("node-01", artifact.Sha256)) && new FileInfo(fleet.PartialPath("node-01", artifact.Sha256)).Length >= 3 * MiB), TimeSpan.FromSeconds(30), "node-01 to verify 3 MiB from node-00");
        await fleet.KillAgentAsync("node-00");
        var response = await fetch;

        Assert.True(response.Complete);
        Assert.Equal(FetchSourceOutcome.Failed, response.Sources[0].Outcome);
        var resumedAt = response.Sources[1].StartedAt;
        Assert.True(resumedAt >= 3 * MiB, $"the origin resumed at {resumedAt}, not after the 3 MiB already verified");
        Assert.Equal(artifact.Size - resumedAt, fleet.Origin.EgressBytes - before);
        Assert.Equal(File.ReadAllBytes(artifact.Source), File.ReadAllBytes(fleet.BlobPath("node-01", artifact.Sha256)));
    }

    [Fact]
    public async Task FetchArtifact_EverySourceFailed_KeepsPrefixAndNextCallResumesIt()
    {
        await using var fleet = await DistributionFleet.StartAsync(2, serveLimit: 2 * MiB);
        var artifact = fleet.AddArtifact("kubelet", 8 * MiB);
        await fleet.Distribution("node-00").FetchArtifactAsync(await ForAsync(artifact, Url(fleet, artifact)));
        var before = fleet.Origin.EgressBytes;

        var fetch = fleet.Distribution("node-01").FetchArtifactAsync(await ForAsync(artifact, Peer(fleet, "node-00"))).ResponseAsync;
        await Eventually.TrueAsync(() => Task.FromResult(File.Exists(fleet.PartialPath("node-01", artifact.Sha256)) && new FileInfo(fleet.PartialPath("node-01", artifact.Sha256)).Length >= 2 * MiB), TimeSpan.FromSeconds(30), "node-01 to verify 2 MiB from node-00");
        await fleet.KillAgentAsync("node-00");
        var failed = await fetch;
        var resumed = await fleet.Distribution("node-01").FetchArtifactAsync(await ForAsync(artifact, Url(fleet, artifact)));

        Assert.False(failed.Complete);
        Assert.True(failed.Verified >= 2 * MiB);
        Assert.Equal(failed.Verified, resumed.ResumedFrom);
        Assert.True(resumed.Complete);
        Assert.Equal(artifact.Size - failed.Verified, fleet.Origin.EgressBytes - before);
        Assert.Equal(File.ReadAllBytes(artifact.Source), File.ReadAllBytes(fleet.BlobPath("node-01", artifact.Sha256)));
    }

    [Fact]
    public async Task FetchArtifact_BandwidthLimit_HoldsWithinTenPercent()
    {
        const long limit = 4 * MiB;
        await using var fleet = await DistributionFleet.StartAsync(1, fetchLimit: limit);
        var artifact = fleet.AddArtifact("kubelet", 12 * MiB);

        var response = await fleet.Distribution("node-00").FetchArtifactAsync(await ForAsync(artifact, Url(fleet, artifact)));

        // The limit is a ceiling: a loaded machine may fetch slower than it, never more than 10% faster.
        var rate = artifact.Size / response.Seconds;
        Assert.True(rate <= limit * 1.10, $"fetched at {rate / MiB:F2} MiB/s under a limit of {limit / MiB} MiB/s ({response.Seconds:F2} s)");
    }

    [Fact]
    public async Task FetchArtifact_BadInputs_RefusedWithWhatToFix()
    {
        await using var fleet = await DistributionFleet.StartAsync(1);
        var artifact = fleet.AddArtifact("kubelet", MiB);
        var client = fleet.Distribution("node-00");
        var good = await ForAsync(artifact, Url(fleet, artifact));

        var outside = good.Clone();
        outside.Sources[0].Url = "http://169.254.169.254/latest/meta-data";
        var credentials = good.Clone();
        credentials.Sources[0].Url = fleet.Origin.BaseUrl.Replace("http://", "http://user:secret@", StringComparison.Ordinal) + "kubelet";
        var shortList = good.Clone();
        shortList.ChunkSha256 = Google.Protobuf.ByteString.CopyFrom(shortList.ChunkSha256.Span[..31]);
        var oddChunk = good.Clone();
        oddChunk.ChunkSize = 1000;
        var unixPeer = good.Clone();
        unixPeer.Sources[0] = new FetchSource { Peer = "unix:/run/nodeagent/agent.sock" };

        foreach (var (request, expected) in new[] { (outside, "Distribution:Origins"), (credentials, "user name"), (shortList, "chunk_sha256"), (oddChunk, "chunk_size"), (unixPeer, "Unix socket") })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.FetchArtifactAsync(request));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains(expected, refused.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(0, fleet.Origin.EgressBytes);
    }

    [Fact]
    public async Task FetchArtifact_PeerAndMonitorRoles_Refused()
    {
        await using var fleet = await DistributionFleet.StartAsync(1);
        var artifact = fleet.AddArtifact("kubelet", MiB);
        var request = await ForAsync(artifact, Url(fleet, artifact));

        foreach (var role in new[] { "peer", "monitor" })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await fleet.DistributionAs("node-00", role).FetchArtifactAsync(request));
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        }

        Assert.Equal(0, fleet.Origin.EgressBytes);
    }
}
