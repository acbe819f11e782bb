using Grpc.Core;
using NodeAgent.Contracts.V1;
using NodeAgent.Testing;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.RealSystemd;

/// <summary>
/// Units that systemd will not restart, under a real systemd: the apply is refused before a file moves
/// (FAILED_PRECONDITION naming the unit and its state, agentctl exit 4), no operation is created, and a running old
/// process is left alone. Never ROLLBACK-FAILED.
/// </summary>
[Trait("Category", "ApplyEdgeCases")]
[Collection("RealSystemd")]
public sealed class UnitPreflightTests(UnitPreflightFixture fixture) : IClassFixture<UnitPreflightFixture>
{
    [SkippableFact]
    public async Task Apply_MaskedUnit_RefusedBeforeTheSwapNamingTheUnitAndItsState()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        await fixture.Container!.MustAsync("systemctl", "stop", UnitPreflightFixture.Unit("masked"));
        await fixture.Container.MustAsync("systemctl", "mask", UnitPreflightFixture.Unit("masked"));

        var result = await ApplyAsync("masked", "pf-masked");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"{UnitPreflightFixture.Unit("masked")} is masked", result.Err, StringComparison.Ordinal);
        Assert.Contains("LoadState=masked", result.Err, StringComparison.Ordinal);
        await AssertNothingChangedAsync("masked", "pf-masked");
    }

    [SkippableFact]
    public async Task Apply_UnitFileMissing_RefusedBeforeTheSwapNamingTheUnitAndItsState()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);

        var result = await ApplyAsync("missing", "pf-missing");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"systemd has no unit file for {UnitPreflightFixture.Unit("missing")}", result.Err, StringComparison.Ordinal);
        Assert.Contains("LoadState=not-found", result.Err, StringComparison.Ordinal);
        await AssertNothingChangedAsync("missing", "pf-missing");
    }

    [SkippableFact]
    public async Task Apply_UnitMaskedWhileRunning_RefusedAndTheOldProcessKeepsRunningUntouched()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var unit = UnitPreflightFixture.Unit("running-masked");
        var pid = await fixture.Container!.PropertyAsync(unit, "MainPID");
        await fixture.Container.MustAsync("systemctl", "mask", unit);

        var result = await ApplyAsync("running-masked", "pf-running");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"{unit} is masked", result.Err, StringComparison.Ordinal);
        Assert.Contains("ActiveState=active", result.Err, StringComparison.Ordinal);
        Assert.NotEqual("0", pid);
        Assert.Equal(pid, await fixture.Container.PropertyAsync(unit, "MainPID"));
        Assert.Equal("active", await fixture.Container.PropertyAsync(unit, "ActiveState"));
        await AssertNothingChangedAsync("running-masked", "pf-running");
    }

    [SkippableFact]
    public async Task Apply_UnitMaskedAfterTheSwapWhileTheOldProcessRuns_RolledBackWithTheOldProcessKeptNotRollbackFailed()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var unit = UnitPreflightFixture.Unit("late-masked");
        var pid = await fixture.Container!.PropertyAsync(unit, "MainPID");
        var digest = TestNode.Digest(fixture.Artifact);
        Assert.Equal(0, (await fixture.CtlAsync("stage", fixture.Artifact)).ExitCode);
        await fixture.StartAgentAsync($"{Failpoints.SwapAfterReload}=kill");
        await fixture.Client().ApplyAsync(new ApplyRequest
        {
            OperationId = "pf-late",
            Component = "late-masked",
            TargetVersion = "v1.17.0",
            Files = { new TargetFile { Role = "binary", Sha256 = digest } },
        });
        await Eventually.TrueAsync(
            async () => (await fixture.Container.RunAsync("systemctl", "is-active", "na-agent.service")).Out.Trim() != "active",
            TimeSpan.FromSeconds(60),
            "the agent to die at the failpoint after the swap");
        Assert.Equal(digest, TestNode.Digest(fixture.BinaryOutside("late-masked")));
        await fixture.Container.MustAsync("systemctl", "mask", unit);

        await fixture.StartAgentAsync();
        var op = (await fixture.Client().GetOperationAsync(new GetOperationRequest { OperationId = "pf-late" })).Operation;

        Assert.Equal(OperationState.RolledBack, op.State);
        Assert.Contains($"kept running its old process (main pid {pid}) throughout", op.Message, StringComparison.Ordinal);
        Assert.Contains("--reported-version v1.10.11", await File.ReadAllTextAsync(fixture.BinaryOutside("late-masked")), StringComparison.Ordinal);
        Assert.Equal(pid, await fixture.Container.PropertyAsync(unit, "MainPID"));
        Assert.DoesNotContain("NEEDS ATTENTION", (await fixture.CtlAsync("status")).Out, StringComparison.Ordinal);
    }

    private Task<CliResult> ApplyAsync(string component, string id) =>
        fixture.CtlAsync("apply", component, "--id", id, "--version", "v1.17.0", "--file", $"binary={fixture.Artifact}");

    /// <summary>The binary is the old one, nothing was written beside it, and no operation exists (so none can be ROLLBACK-FAILED).</summary>
    private async Task AssertNothingChangedAsync(string component, string id)
    {
        Assert.Contains("--reported-version v1.10.11", await File.ReadAllTextAsync(fixture.BinaryOutside(component)), StringComparison.Ordinal);
        Assert.False(File.Exists(fixture.BinaryOutside(component) + ".nodeagent-new"));
        var lookup = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client().GetOperationAsync(new GetOperationRequest { OperationId = id }));
        Assert.Equal(StatusCode.NotFound, lookup.StatusCode);
        var status = await fixture.CtlAsync("status");
        Assert.DoesNotContain("NEEDS ATTENTION", status.Out, StringComparison.Ordinal);
    }
}
