using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Coordinator;

/// <summary>The node claim on a real agent: one rollout owns a node, stale runs are fenced off, the claim survives a restart.</summary>
[Trait("Category", "Coordinator")]
public sealed class NodeClaimTests
{
    private const string JournalA = "sqlite:aaaa";
    private const string JournalB = "sqlite:bbbb";

    [Fact]
    public async Task AcquireClaim_AnotherRolloutHoldsTheNode_FailedPreconditionNamingTheOwner()
    {
        await using var node = await TestNode.StartAsync();
        var claims = Claims(node);
        await claims.AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 1));

        var refused = await Assert.ThrowsAsync<RpcException>(() => claims.AcquireClaimAsync(Acquire("other", JournalB, fencing: 9)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("belongs to rollout up-17 (journal sqlite:aaaa, holder test holder", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("up-17", (await claims.GetClaimAsync(new GetClaimRequest())).Claim.RolloutId);
    }

    [Fact]
    public async Task Apply_CarryingAnotherRolloutsClaim_RefusedNamingTheOwnerAndNothingRuns()
    {
        await using var node = await TestNode.StartAsync();
        await Claims(node).AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 1));

        var refused = await Assert.ThrowsAsync<RpcException>(() => node.Client.StopComponentAsync(
            new StopComponentRequest { OperationId = "other-stop", Component = "kube-proxy", Claim = new ClaimRef { RolloutId = "other", JournalId = JournalB, Fencing = 1 } }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("belongs to rollout up-17", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Empty((await node.Client.ListOperationsAsync(new ListOperationsRequest())).Operations);
    }

    [Fact]
    public async Task Apply_SameRolloutWithALowerFencingNumber_RefusedAsReplaced()
    {
        await using var node = await TestNode.StartAsync();
        var claims = Claims(node);
        await claims.AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 4));
        await claims.AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 5));

        var stale = await Assert.ThrowsAsync<RpcException>(() => node.Client.StopComponentAsync(
            new StopComponentRequest { OperationId = "old-stop", Component = "kube-proxy", Claim = new ClaimRef { RolloutId = "up-17", JournalId = JournalA, Fencing = 4 } }).ResponseAsync);
        var staleAcquire = await Assert.ThrowsAsync<RpcException>(() => claims.AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 4)).ResponseAsync);
        var current = await node.Client.StopComponentAsync(
            new StopComponentRequest { OperationId = "new-stop", Component = "kube-proxy", Claim = new ClaimRef { RolloutId = "up-17", JournalId = JournalA, Fencing = 5 } });

        Assert.Equal((StatusCode.FailedPrecondition, StatusCode.FailedPrecondition), (stale.StatusCode, staleAcquire.StatusCode));
        Assert.Contains("fencing number 4 of rollout up-17 is lower than 5", stale.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("new-stop", current.Operation.OperationId);
    }

    [Fact]
    public async Task StopComponent_SameIdRepeatedByALaterRun_ReturnsTheExistingOperation()
    {
        await using var node = await TestNode.StartAsync();
        var claims = Claims(node);
        await claims.AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 1));
        var first = await node.Client.StopComponentAsync(
            new StopComponentRequest { OperationId = "up-17:stop", Component = "kube-proxy", Claim = new ClaimRef { RolloutId = "up-17", JournalId = JournalA, Fencing = 1 } });
        await claims.AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 2));

        var again = await node.Client.StopComponentAsync(
            new StopComponentRequest { OperationId = "up-17:stop", Component = "kube-proxy", Claim = new ClaimRef { RolloutId = "up-17", JournalId = JournalA, Fencing = 2 } });

        Assert.True(again.Operation.Existing);
        Assert.Equal(first.Operation.OperationId, again.Operation.OperationId);
    }

    [Fact]
    public async Task AcquireClaim_TheOwnersClaimExpired_AnotherRolloutTakesTheNode()
    {
        await using var node = await TestNode.StartAsync();
        var claims = Claims(node);
        await claims.AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 1, ttlSeconds: 1));

        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    await claims.AcquireClaimAsync(Acquire("other", JournalB, fencing: 1));
                    return true;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(15),
            "the first claim to expire");

        Assert.Equal("other", (await claims.GetClaimAsync(new GetClaimRequest())).Claim.RolloutId);
    }

    [Fact]
    public async Task Claim_AgentRestarted_StillOwnedAndTheStaleRunStillRefused()
    {
        await using var node = await TestNode.StartAsync();
        await Claims(node).AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 7));

        await node.StopAgentAsync();
        await node.StartAgentAsync();
        var claims = Claims(node);
        var claim = (await claims.GetClaimAsync(new GetClaimRequest())).Claim;
        var stale = await Assert.ThrowsAsync<RpcException>(() => claims.AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 6)).ResponseAsync);

        Assert.Equal(("up-17", 7L), (claim.RolloutId, claim.Fencing));
        Assert.Equal(StatusCode.FailedPrecondition, stale.StatusCode);
    }

    [Fact]
    public async Task AgentCtlClaim_ShowThenRelease_TheNodeIsFreeAgain()
    {
        await using var node = await TestNode.StartAsync();
        await Claims(node).AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 3));

        var show = await node.CtlAsync("claim", "show");
        var wrongRollout = await node.CtlAsync("claim", "release", "--rollout", "other");
        var release = await node.CtlAsync("claim", "release");
        var after = await node.CtlAsync("claim", "show");

        Assert.Equal(0, show.ExitCode);
        Assert.Contains("rollout up-17  journal sqlite:aaaa  holder test holder  fencing 3  until", show.Out, StringComparison.Ordinal);
        Assert.Equal(3, wrongRollout.ExitCode);
        Assert.Equal(0, release.ExitCode);
        Assert.Contains("no rollout claims this node", after.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireClaim_BadFields_InvalidArgumentNamingTheField()
    {
        await using var node = await TestNode.StartAsync();
        var claims = Claims(node);

        var badRollout = await Assert.ThrowsAsync<RpcException>(() => claims.AcquireClaimAsync(Acquire("../etc", JournalA, fencing: 1)).ResponseAsync);
        var badFencing = await Assert.ThrowsAsync<RpcException>(() => claims.AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 0)).ResponseAsync);
        var badTtl = await Assert.ThrowsAsync<RpcException>(() => claims.AcquireClaimAsync(Acquire("up-17", JournalA, fencing: 1, ttlSeconds: 0)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, badRollout.StatusCode);
        Assert.StartsWith("rollout_id:", badRollout.Status.Detail, StringComparison.Ordinal);
        Assert.StartsWith("fencing:", badFencing.Status.Detail, StringComparison.Ordinal);
        Assert.StartsWith("ttl:", badTtl.Status.Detail, StringComparison.Ordinal);
        Assert.Null((await claims.GetClaimAsync(new GetClaimRequest())).Claim);
    }

    private static NodeClaimService.NodeClaimServiceClient Claims(TestNode node) => new(TestNode.OpenChannel(node.Socket));

    private static AcquireClaimRequest Acquire(string rollout, string journal, long fencing, int ttlSeconds = 60) => new()
    {
        RolloutId = rollout,
        JournalId = journal,
        Holder = "test holder",
        Fencing = fencing,
        Ttl = Duration.FromTimeSpan(TimeSpan.FromSeconds(ttlSeconds)),
    };
}
