using DemoFleet;
using NodeAgent.Coordinator.Cli;

namespace NodeAgent.Tests.Coordinator;

/// <summary>
/// A fleet-wide rollback through the coordinator: the agents refuse to go to an older version than they installed
/// unless the apply asks for it, so a plan back to the old version fails on every node and changes nothing, and
/// the same plan with <c>policy.allowDowngrade: true</c> takes every node back, each component applied once.
/// </summary>
[Trait("Category", "Coordinator")]
public sealed class DowngradeRolloutTests
{
    [Fact]
    public async Task Rollout_BackToTheOldVersion_RefusedWithoutAllowDowngrade_DoneWithIt()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 2, controlPlane: 1);
        var up = CoordinatorKillSuiteTests.Upgrade(fleet, 1);
        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", up)).ExitCode);
        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("rollout", up, "--plain")).ExitCode);

        var refused = CoordinatorKillSuiteTests.Downgrade(fleet, 2, allowed: false);
        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", refused)).ExitCode);
        var refusedRun = await fleet.CoordinatorAsync("rollout", refused, "--plain");

        Assert.Equal(ExitCodes.RolloutFailed, refusedRun.ExitCode);
        Assert.Contains("a downgrade needs allow_downgrade", refusedRun.Out + refusedRun.Err, StringComparison.Ordinal);
        var unchanged = new CoordinatorKillSuiteTests.Tally();
        await CoordinatorKillSuiteTests.CheckRoundAsync(fleet, "r1", Fleet.TargetVersion, unchanged);
        Assert.True(unchanged.Problems.Count == 0, string.Join("\n", unchanged.Problems));

        var allowed = CoordinatorKillSuiteTests.Downgrade(fleet, 3);
        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", allowed)).ExitCode);
        var allowedRun = await fleet.CoordinatorAsync("rollout", allowed, "--plain");

        Assert.True(allowedRun.ExitCode == ExitCodes.Ok, allowedRun.Out + allowedRun.Err);
        var back = new CoordinatorKillSuiteTests.Tally();
        await CoordinatorKillSuiteTests.CheckRoundAsync(fleet, "r3", Fleet.FromVersion, back);
        Assert.True(back.Problems.Count == 0, string.Join("\n", back.Problems));
    }
}
