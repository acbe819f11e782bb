using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Distribution;
using NodeAgent.Coordinator.Plans;

using SimFleet.Distribution;

namespace NodeAgent.Tests.Distribution;

/// <summary>The coordinator's distribution tree over a fleet of real agents on loopback.</summary>
[Trait("Category", "Distribution")]
public sealed class FleetStagingTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task ArtifactPull_FleetFromOriginAndPeers_EveryBlobVerifiedAndOriginSentOneCopy()
    {
        await using var fleet = await DistributionFleet.StartAsync(8);
        var artifact = fleet.AddArtifact("kubelet", 6 * MiB);

        var (summary, pulls) = await PullAsync(fleet, artifact, new HashSet<string>());

        Assert.All(pulls, p => Assert.True(p.Ok, p.Detail));
        Assert.Equal(8, pulls.Count);
        Assert.Equal(artifact.Size, fleet.Origin.EgressBytes);
        Assert.Equal(artifact.Size, summary.OriginBytes);
        Assert.Equal(7 * artifact.Size, summary.PeerBytes);
        await AssertVerifiedEverywhereAsync(fleet, artifact);
    }

    [Fact]
    public async Task ArtifactPull_LyingHolder_EveryNodeRoutedAroundIt()
    {
        await using var fleet = await DistributionFleet.StartAsync(6);
        var artifact = fleet.AddArtifact("kube-proxy", 3 * MiB);
        var corrupt = File.ReadAllBytes(artifact.Source);
        corrupt[^1] ^= 0x01;
        fleet.Plant("node-00", artifact.Sha256, corrupt);

        var (summary, pulls) = await PullAsync(fleet, artifact, new HashSet<string> { "node-00" });

        Assert.All(pulls, p => Assert.True(p.Ok, p.Detail));
        Assert.Equal(["node-00"], summary.Liars);
        Assert.Contains(pulls, p => p.Detail.Contains("node-00 LIED", StringComparison.Ordinal));
        await AssertVerifiedEverywhereAsync(fleet, artifact, except: "node-00");
    }

    [Fact]
    public async Task ArtifactPull_HolderStoppedMidTransfer_ChildrenResumeElsewhere()
    {
        await using var fleet = await DistributionFleet.StartAsync(5, serveLimit: 2 * MiB);
        var artifact = fleet.AddArtifact("kubelet", 8 * MiB);
        await fleet.Distribution("node-00").FetchArtifactAsync(await FetchRequests.ForAsync(artifact, FetchRequests.Url(fleet, artifact)));
        var nodes = fleet.Nodes.ToList();
        var pull = new ArtifactPull(artifact, await FetchRequests.ChunksAsync(artifact), nodes, new PullOptions(fleet.Origin.BaseUrl, new DistributionLimits(PeersPerHolder: 4, OriginStreams: 1)), fleet.DistributionClient, TimeProvider.System);

        var running = pull.RunAsync(new HashSet<string> { "node-00" }, CancellationToken.None);
        await Infrastructure.Eventually.TrueAsync(() => Task.FromResult(Enumerable.Range(1, 4).Any(i => File.Exists(fleet.PartialPath($"node-0{i}", artifact.Sha256)) && new FileInfo(fleet.PartialPath($"node-0{i}", artifact.Sha256)).Length >= MiB)), TimeSpan.FromSeconds(30), "a node to verify 1 MiB from node-00");
        await fleet.KillAgentAsync("node-00");
        var (summary, pulls) = await running;

        Assert.All(pulls, p => Assert.True(p.Ok, p.Detail));
        Assert.True(summary.Repicks >= 1, "nobody had to re-pick after node-00 stopped");
        Assert.True(summary.OriginBytes < 4 * artifact.Size, $"the origin sent {summary.OriginBytes} bytes: the re-picks started over");
        Assert.All(pulls, p => Assert.True(p.Bytes < artifact.Size + MiB, $"{p.Node} received {p.Bytes} bytes for a blob of {artifact.Size}: {p.Detail}"));
        await AssertVerifiedEverywhereAsync(fleet, artifact, except: "node-00");
    }

    private static async Task<(PullSummary Summary, IReadOnlyList<NodePull> Pulls)> PullAsync(DistributionFleet fleet, PlanArtifact artifact, IReadOnlySet<string> holders)
    {
        var options = new PullOptions(fleet.Origin.BaseUrl, DistributionLimits.Default);
        var pull = new ArtifactPull(artifact, await FetchRequests.ChunksAsync(artifact), fleet.Nodes, options, fleet.DistributionClient, TimeProvider.System);
        return await pull.RunAsync(holders, CancellationToken.None);
    }

    private static async Task AssertVerifiedEverywhereAsync(DistributionFleet fleet, PlanArtifact artifact, string? except = null)
    {
        foreach (var node in fleet.Nodes.Where(n => n.Name != except))
        {
            var verified = await fleet.Agent(node.Name).VerifyArtifactAsync(new VerifyArtifactRequest { Sha256 = artifact.Sha256 });
            Assert.Equal(ArtifactIntegrity.Ok, verified.Artifact.Integrity);
        }
    }
}
