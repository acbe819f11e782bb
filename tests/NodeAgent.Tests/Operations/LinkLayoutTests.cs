using NodeAgent.Contracts.V1;
using NodeAgent.Tests.CrashConsistency;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Operations;

/// <summary>Symlinked install layouts: the link stays the operator's, the new version goes beside the old one.</summary>
[Trait("Category", "ApplyEdgeCases")]
public sealed class LinkLayoutTests
{
    [Fact]
    public async Task Apply_FileLink_NewVersionBesideTheOldTargetAndTheLinkSwapped()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { Layout = InstallLayout.FileLink });
        var original = FileSet.Current(node, "v1.10.11");
        await ApplyTests.HealthyStatusAsync(node, "kubelet");

        var result = await ApplyAsync(node, "link-up-1", "kubelet-v1.17.0", "v1.17.0");

        Assert.True(result.ExitCode == 0, result.Err + result.Out);
        Assert.Equal(node.VersionedPlace("v1.17.0"), new FileInfo(node.KubeletBinary).LinkTarget);
        Assert.Equal(File.ReadAllBytes(node.Artifact("kubelet-v1.17.0")), File.ReadAllBytes(node.VersionedPlace("v1.17.0")));
        Assert.Equal((UnixFileMode)Convert.ToInt32("755", 8), File.GetUnixFileMode(node.VersionedPlace("v1.17.0")));
        Assert.Equal(original.Binary, File.ReadAllBytes(node.VersionedPlace("v1.10.11")));
        Assert.Equal(File.ReadAllBytes(node.Artifact("kubelet-config-v1.17.json")), File.ReadAllBytes(node.KubeletConfig));
        var swapped = (await node.Client.GetOperationAsync(new GetOperationRequest { OperationId = "link-up-1" })).Operation.Events.Single(e => e.Step == "swapped");
        Assert.Contains($"link {node.KubeletBinary}: {node.VersionedPlace("v1.10.11")} -> {node.VersionedPlace("v1.17.0")}", swapped.Message, StringComparison.Ordinal);
        Assert.Equal("v1.17.0", (await ApplyTests.HealthyStatusAsync(node, "kubelet")).Version);
    }

    [Theory]
    [InlineData(InstallLayout.FileLink)]
    [InlineData(InstallLayout.DirectoryLink)]
    public async Task Rollback_LinkLayout_PutsBackTheExactLinkTarget(InstallLayout layout)
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { Layout = layout });
        var original = FileSet.Current(node, "v1.10.11");
        var originalTarget = new FileInfo(node.LayoutLink!).LinkTarget;
        Assert.Equal(0, (await ApplyAsync(node, "link-up-2", "kubelet-v1.17.0", "v1.17.0")).ExitCode);

        var rollback = await node.CtlAsync("rollback", "kubelet", "--id", "link-back-2");

        Assert.True(rollback.ExitCode == 0, rollback.Err + rollback.Out);
        Assert.Equal(originalTarget, new FileInfo(node.LayoutLink!).LinkTarget);
        Assert.True(original.Matches(node));
        Assert.Empty(CrashInvariants.LayoutProblems(node, original, original));
        Assert.Equal("v1.10.11", (await ApplyTests.HealthyStatusAsync(node, "kubelet")).Version);
    }

    [Fact]
    public async Task Apply_FileLinkUnhealthyBuild_RolledBackWithTheLinkAsItWasAndNoNewPlaceLeft()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { Layout = InstallLayout.FileLink });
        var original = FileSet.Current(node, "v1.10.11");
        await ApplyTests.HealthyStatusAsync(node, "kubelet");

        var result = await node.CtlAsync("apply", "kubelet", "--id", "link-bad-1", "--version", "v1.17.1", "--health-timeout", "3s",
            "--file", $"binary={node.Artifact("kubelet-v1.17.1-broken")}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("rolled-back", result.Out, StringComparison.Ordinal);
        Assert.Equal(node.VersionedPlace("v1.10.11"), new FileInfo(node.KubeletBinary).LinkTarget);
        Assert.True(original.Matches(node));
        Assert.False(Path.Exists(node.VersionedPlace("v1.17.1")));
        Assert.False(Path.Exists(Path.GetDirectoryName(node.VersionedPlace("v1.17.1"))));
        Assert.Equal("v1.10.11", (await ApplyTests.HealthyStatusAsync(node, "kubelet")).Version);
    }

    [Fact]
    public async Task Apply_DirectoryLink_NewDirectoryBesideTheOldOneAndTheLinkSwapped()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { Layout = InstallLayout.DirectoryLink });
        var original = FileSet.Current(node, "v1.10.11");
        await ApplyTests.HealthyStatusAsync(node, "kubelet");

        var result = await ApplyAsync(node, "dir-up-1", "kubelet-v1.17.0", "v1.17.0");

        Assert.True(result.ExitCode == 0, result.Err + result.Out);
        Assert.Equal("v1.17.0", new FileInfo(node.LayoutLink!).LinkTarget);
        var upgraded = node.VersionedPlace("v1.17.0");
        Assert.Equal(File.ReadAllBytes(node.Artifact("kubelet-v1.17.0")), File.ReadAllBytes(Path.Combine(upgraded, "kubelet")));
        Assert.Equal(File.ReadAllBytes(node.Artifact("kubelet-config-v1.17.json")), File.ReadAllBytes(Path.Combine(upgraded, "kubelet.json")));
        Assert.Equal(File.ReadAllText(Path.Combine(node.VersionedPlace("v1.10.11"), "README")), File.ReadAllText(Path.Combine(upgraded, "README")));
        Assert.Empty(CrashInvariants.LayoutProblems(node, new FileSet("v1.17.0", [], []), original));
        Assert.Equal("v1.17.0", (await ApplyTests.HealthyStatusAsync(node, "kubelet")).Version);
    }

    [Fact]
    public async Task Apply_LinkNamesAnotherVersionThanTheRunningOne_RefusedBeforeAnythingMoves()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { Layout = InstallLayout.FileLink });
        var stray = node.VersionedPlace("v1.9.0");
        Directory.CreateDirectory(Path.GetDirectoryName(stray)!);
        File.Copy(node.VersionedPlace("v1.10.11"), stray);
        File.Delete(node.KubeletBinary);
        File.CreateSymbolicLink(node.KubeletBinary, stray);
        var before = FileSet.Current(node, "v1.10.11");

        var result = await ApplyAsync(node, "link-odd-1", "kubelet-v1.17.0", "v1.17.0");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"cannot keep the link layout at {node.KubeletBinary}", result.Err, StringComparison.Ordinal);
        Assert.Contains("names version v1.9.0", result.Err, StringComparison.Ordinal);
        Assert.Equal(stray, new FileInfo(node.KubeletBinary).LinkTarget);
        Assert.True(before.Matches(node));
        Assert.False(Path.Exists(node.VersionedPlace("v1.17.0")));
        Assert.Equal(Grpc.Core.StatusCode.NotFound, (await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await node.Client.GetOperationAsync(new GetOperationRequest { OperationId = "link-odd-1" }))).StatusCode);
    }

    private static Task<CliResult> ApplyAsync(TestNode node, string id, string artifact, string version) =>
        node.CtlAsync("apply", "kubelet", "--id", id, "--version", version,
            "--file", $"binary={node.Artifact(artifact)}", "--file", $"config={node.Artifact("kubelet-config-v1.17.json")}");
}
