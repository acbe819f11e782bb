using System.Globalization;
using System.Text.Json;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.RealSystemd;

/// <summary>The packaged agent under a real systemd: notify, watchdog, restarts, journald, and applies through units.</summary>
[Trait("Category", "RealSystemd")]
[Collection("RealSystemd")]
public sealed class PackagedAgentTests(PackagedAgentFixture fixture) : IClassFixture<PackagedAgentFixture>
{
    private SystemdContainer Container => fixture.Container!;

    [SkippableFact]
    public async Task Agent_IsATypeNotifyService_ThatReachesActiveRunning_UnderAMemoryCap()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        await WaitForAgentAsync();

        Assert.Equal("notify", await Container.PropertyAsync(PackagedAgentFixture.Unit, "Type"));
        Assert.Equal("active", await Container.PropertyAsync(PackagedAgentFixture.Unit, "ActiveState"));
        Assert.Equal("running", await Container.PropertyAsync(PackagedAgentFixture.Unit, "SubState"));
        Assert.Equal((160L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), await Container.PropertyAsync(PackagedAgentFixture.Unit, "MemoryMax"));
        Assert.Equal("6s", await Container.PropertyAsync(PackagedAgentFixture.Unit, "WatchdogUSec"));
        Assert.Contains("DOTNET_EnableDiagnostics=0", await Container.PropertyAsync(PackagedAgentFixture.Unit, "Environment"), StringComparison.Ordinal);
        var status = await fixture.AgentctlAsync("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("service manager systemd", status.Out, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Agent_WithThePackagedGcSettings_Stages150MB_WithinItsMemoryMax()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pid = await WaitForAgentAsync();
        var environment = await Container.PropertyAsync(PackagedAgentFixture.Unit, "Environment");
        Assert.Contains("DOTNET_GCgen0size=", environment, StringComparison.Ordinal);
        Assert.Contains("DOTNET_GCHeapHardLimit=", environment, StringComparison.Ordinal);
        // systemd's view of the limit: the container's cgroup tree is not the host's, so the unit's own property is read.
        var memoryMax = long.Parse(await Container.PropertyAsync(PackagedAgentFixture.Unit, "MemoryMax"), CultureInfo.InvariantCulture);
        Assert.Equal(160L * 1024 * 1024, memoryMax);
        var restarts = await Container.PropertyAsync(PackagedAgentFixture.Unit, "NRestarts");
        await Container.MustAsync("sh", "-c", "head -c 157286400 /dev/urandom > /var/tmp/footprint-blob");

        var stage = await fixture.AgentctlAsync("stage", "/var/tmp/footprint-blob", "--name", "footprint-blob");

        Assert.True(stage.ExitCode == 0, stage.ToString());
        Assert.Equal(pid, await Container.PropertyAsync(PackagedAgentFixture.Unit, "MainPID"));
        Assert.Equal(restarts, await Container.PropertyAsync(PackagedAgentFixture.Unit, "NRestarts"));
        Assert.Equal("running", await Container.PropertyAsync(PackagedAgentFixture.Unit, "SubState"));
        Assert.Equal("success", await Container.PropertyAsync(PackagedAgentFixture.Unit, "Result"));
        // The process's own peak (anonymous and mapped file pages), not the cgroup's, which also counts the page cache
        // of the 150 MB it wrote and is held under the limit by reclaim.
        var status = (await Container.MustAsync("cat", $"/proc/{pid}/status")).Out;
        var peakKib = long.Parse(status.Split('\n').Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.True(peakKib * 1024 < memoryMax / 2, $"peak RSS {peakKib} KiB while staging 150 MB; MemoryMax {memoryMax} bytes");
        await Container.MustAsync("rm", "-f", "/var/tmp/footprint-blob");
    }

    [SkippableFact]
    public async Task Package_ShellCompletion_InstalledWhereBashFindsIt()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);

        var completed = await Container.RunAsync("bash", "--norc", "-c",
            "source /usr/share/bash-completion/completions/agentctl; COMP_WORDS=(agentctl marker s); COMP_CWORD=2; _agentctl; echo \"${COMPREPLY[*]}\"");
        var zsh = await Container.RunAsync("head", "-n", "1", "/usr/share/zsh/vendor-completions/_agentctl");

        Assert.True(completed.ExitCode == 0, completed.ToString());
        Assert.Equal("show", completed.Out.Trim());
        Assert.Equal("#compdef agentctl", zsh.Out.Trim());
    }

    [SkippableFact]
    public async Task Apply_ThroughSystemd_RestartsTheKubeletUnit_AndJournaldHasItsStructuredEntries()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        await WaitForAgentAsync();
        await WaitForKubeletHealthyAsync();
        var before = await Container.PropertyAsync("kubelet.service", "MainPID");

        var apply = await fixture.AgentctlAsync("apply", "kubelet", "--id", "sd-up-1", "--version", "v1.17.0",
            "--file", $"binary={SystemdContainer.ExchangeInside}/kubelet-v1.17.0", "--file", $"unit-dropin={SystemdContainer.ExchangeInside}/10-flags.conf");

        Assert.True(apply.ExitCode == 0, apply.ToString());
        var after = await Container.PropertyAsync("kubelet.service", "MainPID");
        Assert.NotEqual(before, after);
        Assert.Equal("active", await Container.PropertyAsync("kubelet.service", "ActiveState"));

        // The drop-in's new flag took effect: systemd re-read the unit (daemon-reload) and the process carries it.
        Assert.Contains("--startup-delay-ms", await Container.PropertyAsync("kubelet.service", "ExecStart"), StringComparison.Ordinal);
        Assert.Contains("--startup-delay-ms", (await Container.MustAsync("cat", $"/proc/{after}/cmdline")).Out, StringComparison.Ordinal);

        var journal = await Container.MustAsync("journalctl", "-u", PackagedAgentFixture.Unit, "-o", "json", "--no-pager", "OPERATION_ID=sd-up-1");
        var entries = journal.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.NotEmpty(entries);
        Assert.All(entries, e => Assert.Equal("nodeagent", e.GetProperty("SYSLOG_IDENTIFIER").GetString()));
        Assert.Contains(entries, e => e.TryGetProperty("COMPONENT", out var c) && c.GetString() == "kubelet");
        Assert.Contains(entries, e => e.TryGetProperty("CALLER", out var c) && c.GetString()!.StartsWith("uid=0", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Apply_OfABinaryWhoseUnitFailsToStart_IsRolledBack_WithSystemdsResultInTheMessage()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        await WaitForAgentAsync();
        await WaitForKubeletHealthyAsync();
        var before = await Container.MustAsync("sha256sum", PackagedAgentFixture.KubeletBinary);

        var apply = await fixture.AgentctlAsync("apply", "kubelet", "--id", "sd-crash-1", "--version", "v1.17.0", "--health-timeout", "8s",
            "--file", $"binary={SystemdContainer.ExchangeInside}/kubelet-v1.17.0-crashes");

        Assert.True(apply.ExitCode == 1, apply.ToString());
        Assert.Contains("exit-code", apply.Out + apply.Err, StringComparison.Ordinal);
        Assert.Equal(before.Out, (await Container.MustAsync("sha256sum", PackagedAgentFixture.KubeletBinary)).Out);
        await WaitForKubeletHealthyAsync();
    }

    [SkippableFact]
    public async Task KilledAgent_IsRestartedBySystemd_AndItsRecoveryRuns()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pid = await WaitForAgentAsync();
        var restarts = int.Parse(await Container.PropertyAsync(PackagedAgentFixture.Unit, "NRestarts"), System.Globalization.CultureInfo.InvariantCulture);

        await Container.MustAsync("kill", "-KILL", pid);

        var next = await WaitForAgentAsync(not: pid);
        Assert.Equal(restarts + 1, int.Parse(await Container.PropertyAsync(PackagedAgentFixture.Unit, "NRestarts"), System.Globalization.CultureInfo.InvariantCulture));
        var log = await Container.MustAsync("journalctl", "-u", PackagedAgentFixture.Unit, "--no-pager", $"_PID={next}");
        Assert.Contains("Journal loaded", log.Out, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task StoppedAgent_MissesItsWatchdog_AndSystemdRestartsIt()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pid = await WaitForAgentAsync();

        await Container.MustAsync("kill", "-STOP", pid);

        await WaitForAgentAsync(not: pid);
        var log = await Container.MustAsync("journalctl", "-u", PackagedAgentFixture.Unit, "--no-pager");
        Assert.Contains("Watchdog timeout", log.Out, StringComparison.Ordinal);
    }

    /// <summary>Waits until the agent is active/running with a main PID other than <paramref name="not"/>, and answers.</summary>
    private async Task<string> WaitForAgentAsync(string? not = null)
    {
        var pid = "";
        await Eventually.TrueAsync(
            async () => await Container.PropertyAsync(PackagedAgentFixture.Unit, "SubState") == "running"
                && (pid = await Container.PropertyAsync(PackagedAgentFixture.Unit, "MainPID")) != "0" && pid != not
                && (await fixture.AgentctlAsync("status")).ExitCode == 0,
            TimeSpan.FromSeconds(60),
            "nodeagent.service to be running and answering");
        return pid;
    }

    private Task WaitForKubeletHealthyAsync() => Eventually.TrueAsync(
        async () => (await fixture.AgentctlAsync("status", "--probe")).Out.Contains("kubelet [kubelet.service]: healthy", StringComparison.Ordinal),
        TimeSpan.FromSeconds(60),
        "the stand-in kubelet to be healthy");
}
