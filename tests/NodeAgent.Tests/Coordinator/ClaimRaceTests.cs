using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Coordinator.Journal;

namespace NodeAgent.Tests.Coordinator;

/// <summary>Two rollouts racing for the same nodes: one owns them, the other is refused with the owner's name and undoes nothing.</summary>
[Trait("Category", "Coordinator")]
public sealed class ClaimRaceTests
{
    private const string Controllers = "cluster:\n  controllers: [kube-controller-manager, kube-scheduler]\n";
    private const string Phases = "[preflight, backup, controllers, canary, control-plane, workers, verify]";

    [Fact]
    public async Task Rollout_TwoJournalsRaceForTheSameNodes_OneOwnsThemTheOtherIsRefusedWithTheOwnersName()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 3, controlPlane: 1);
        var plan = fleet.WritePlan(new PlanOptions { Phases = Phases, SoakAfterCanary = "3s", ClusterYaml = Controllers });
        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);
        var journals = new[] { fleet.Journal, fleet.Dir.Combine("second-journal.db") };

        var results = await Task.WhenAll(journals.Select(j => FleetFixture.CoordinatorOnAsync(j, "rollout", plan, "--plain", "--report-dir", fleet.Dir.Combine(Path.GetFileName(j) + "-reports"))));

        var winner = Array.FindIndex(results, r => r.ExitCode == ExitCodes.Ok);
        Assert.True(winner >= 0, string.Join("\n---\n", results.Select(r => r.Out + r.Err)));
        var loser = results[1 - winner];
        Assert.Equal(ExitCodes.RolloutFailed, loser.ExitCode);
        Assert.Contains("could not claim node cp-01 for rollout r1", loser.Out, StringComparison.Ordinal);
        Assert.Contains("belongs to rollout r1 (journal sqlite:", loser.Out, StringComparison.Ordinal);
        await AssertOnlyTheWinnerActedAsync(fleet, journals[1 - winner], "r1");
    }

    [Fact]
    public async Task Rollout_ACopyUnderAnotherRolloutIdLosesTheRace_UndoesNothingOnTheOthersNodes()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 3, controlPlane: 1);
        var plan = fleet.WritePlan(new PlanOptions { Phases = Phases, SoakAfterCanary = "3s", ClusterYaml = Controllers });
        var copy = fleet.WritePlan(new PlanOptions { Rollout = "r1-copy", Phases = Phases, SoakAfterCanary = "3s", ClusterYaml = Controllers });
        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);

        var copyJournal = fleet.Dir.Combine("copy-journal.db");

        var first = fleet.CoordinatorAsync("rollout", plan, "--plain", "--report-dir", fleet.Reports);
        await WaitForClaimAsync(fleet, "r1");
        var second = await FleetFixture.CoordinatorOnAsync(copyJournal, "rollout", copy, "--plain", "--report-dir", fleet.Reports);
        var owner = await first;

        Assert.True(owner.ExitCode == ExitCodes.Ok, owner.Out + owner.Err);
        Assert.Equal(ExitCodes.RolloutFailed, second.ExitCode);
        Assert.Contains("belongs to rollout r1 (journal sqlite:", second.Out, StringComparison.Ordinal);
        await AssertOnlyTheWinnerActedAsync(fleet, copyJournal, "r1-copy");
        foreach (var node in fleet.Nodes)
        {
            Assert.DoesNotContain(await FleetFixture.OperationsAsync(node), o => NodeAgent.Coordinator.Engine.OperationIds.BelongsTo("r1-copy", o.OperationId));
        }
    }

    /// <summary>The loser made no mutating call (every operation on every node is the winner's, each component applied once) and journaled no cluster step.</summary>
    private static async Task AssertOnlyTheWinnerActedAsync(FleetFixture fleet, string loserJournal, string loserRollout)
    {
        foreach (var node in fleet.Nodes)
        {
            var ops = await FleetFixture.OperationsAsync(node);
            var applied = ops.Where(o => o.Kind == OperationKind.Apply && o.Changed).Select(o => o.Component).ToList();
            Assert.Equal(applied.Distinct().Count(), applied.Count);
            Assert.DoesNotContain(ops, o => o.OperationId.Contains(":start-undo:", StringComparison.Ordinal));
            Assert.Equal(node.Role == "control-plane" ? 2 : 0, ops.Count(o => o.Kind == OperationKind.Start));
        }

        using var journal = new RolloutJournal(loserJournal, TimeProvider.System);
        Assert.Equal(RolloutStates.Failed, journal.Find(loserRollout)!.State);
        Assert.Null(journal.Fact(loserRollout, "", "controllers-stopped"));
        Assert.All(journal.Nodes(loserRollout), n => Assert.Equal(NodeStates.Pending, n.State));
    }

    private static Task WaitForClaimAsync(FleetFixture fleet, string rollout) =>
        Infrastructure.Eventually.TrueAsync(
            async () =>
            {
                using var channel = Infrastructure.TestNode.OpenChannel(fleet.Nodes[^1].Address["unix:".Length..]);
                var claim = (await new NodeClaimService.NodeClaimServiceClient(channel).GetClaimAsync(new GetClaimRequest())).Claim;
                return claim?.RolloutId == rollout;
            },
            TimeSpan.FromSeconds(60),
            $"rollout {rollout} to claim every node");
}
