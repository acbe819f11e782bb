using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.RealSystemd;

/// <summary>The .deb under dpkg and a real systemd: install, upgrade keeping state, remove, purge.</summary>
[Trait("Category", "RealSystemd")]
[Collection("RealSystemd")]
public sealed class PackageLifecycleTests
{
    [SkippableFact]
    public async Task Deb_InstallsEnabledButStopped_UpgradesKeepingState_AndPurgesCleanly()
    {
        var reason = PackagedAgentFixture.Unavailable();
        Skip.If(reason is not null, reason);
        await using var container = await SystemdContainer.BootAsync();
        var exchange = container.Exchange;
        File.Copy(PackagedAgentFixture.Package()!, Path.Combine(exchange, "old.deb"));
        await RepackAsync(Path.Combine(exchange, "old.deb"), Path.Combine(exchange, "new.deb"), "99.0.0");
        const string inside = SystemdContainer.ExchangeInside;

        await container.MustAsync("dpkg", "-i", $"{inside}/old.deb");
        Assert.Equal("enabled", (await container.RunAsync("systemctl", "is-enabled", PackagedAgentFixture.Unit)).Out.Trim());
        Assert.Equal("inactive", (await container.RunAsync("systemctl", "is-active", PackagedAgentFixture.Unit)).Out.Trim());
        Assert.Equal("700", (await container.MustAsync("stat", "-c", "%a", "/var/lib/nodeagent")).Out.Trim());
        await container.MustAsync("test", "-x", "/usr/lib/nodeagent/nodeagent");
        Assert.Contains("agentctl", (await container.MustAsync("/usr/bin/agentctl", "--help")).Out, StringComparison.Ordinal);

        // Some state and local config changes (no release key in this test: unsigned releases allowed), then the newer package over it.
        await container.MustAsync("sh", "-c", "echo kept > /var/lib/nodeagent/state-marker && sed -i 's|^  releasePublicKey: .*|  allowUnsignedReleases: true|' /etc/nodeagent/agent.yaml && echo '# site change' >> /etc/nodeagent/agent.yaml");
        await container.MustAsync("systemctl", "start", PackagedAgentFixture.Unit);
        var before = await container.PropertyAsync(PackagedAgentFixture.Unit, "MainPID");
        var upgrade = await container.RunAsync("env", "DEBIAN_FRONTEND=noninteractive", "dpkg", "--force-confold", "-i", $"{inside}/new.deb");
        Assert.True(upgrade.ExitCode == 0, upgrade.ToString());
        Assert.Equal("99.0.0", (await container.MustAsync("dpkg-query", "-W", "-f=${Version}", "nodeagent")).Out.Trim());
        Assert.Equal("kept", (await container.MustAsync("cat", "/var/lib/nodeagent/state-marker")).Out.Trim());
        Assert.Contains("# site change", (await container.MustAsync("cat", "/etc/nodeagent/agent.yaml")).Out, StringComparison.Ordinal);
        await Eventually.TrueAsync(
            async () => await container.PropertyAsync(PackagedAgentFixture.Unit, "SubState") == "running"
                && await container.PropertyAsync(PackagedAgentFixture.Unit, "MainPID") is var pid && pid != "0" && pid != before,
            TimeSpan.FromSeconds(60),
            "the running agent to be restarted on the new binary");

        await container.MustAsync("dpkg", "--remove", "nodeagent");
        Assert.Equal("inactive", (await container.RunAsync("systemctl", "is-active", PackagedAgentFixture.Unit)).Out.Trim());
        Assert.Equal("kept", (await container.MustAsync("cat", "/var/lib/nodeagent/state-marker")).Out.Trim());

        await container.MustAsync("dpkg", "--purge", "nodeagent");
        Assert.NotEqual(0, (await container.RunAsync("test", "-e", "/var/lib/nodeagent")).ExitCode);
        Assert.NotEqual(0, (await container.RunAsync("test", "-e", "/etc/nodeagent")).ExitCode);
        Assert.NotEqual(0, (await container.RunAsync("test", "-e", "/lib/systemd/system/nodeagent.service")).ExitCode);
        Assert.NotEqual(0, (await container.RunAsync("test", "-e", "/usr/bin/nodeagent")).ExitCode);
    }

    /// <summary>The same package with a higher version, as the next release would be.</summary>
    private static async Task RepackAsync(string deb, string output, string version)
    {
        using var tree = new TempDir();
        var root = tree.Combine("pkg");
        await Host.RunAsync("dpkg-deb", "-R", deb, root);
        var control = Path.Combine(root, "DEBIAN", "control");
        var lines = (await File.ReadAllLinesAsync(control)).Select(l => l.StartsWith("Version:", StringComparison.Ordinal) ? $"Version: {version}" : l);
        await File.WriteAllLinesAsync(control, lines);
        await Host.RunAsync("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, output);
    }
}
