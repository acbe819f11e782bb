using System.Text.Json;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Operations;

[Trait("Category", "AgentCore")]
public sealed class MarkerTests
{
    [Fact]
    public async Task Marker_KeptAcrossRetryAndSecondUpgrade_ThenCleared()
    {
        await using var node = await TestNode.StartAsync();
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        var v17 = await node.StageAsync("kubelet-v1.17.0");
        var v18 = await node.StageAsync("kubelet-v1.18.0");

        var first = await node.CtlAsync("apply", "kubelet", "--id", "m-1", "--version", "v1.17.0", "--marker", "--file", $"binary={v17}");
        var written = await MarkerAsync(node);
        var retry = await node.CtlAsync("marker", "write", "kubelet", "--id", "m-retry", "--target-version", "v1.17.0", "--old-version", "v1.16.0");
        var second = await node.CtlAsync("apply", "kubelet", "--id", "m-2", "--version", "v1.18.0", "--marker", "--file", $"binary={v18}");
        var afterSecond = await MarkerAsync(node);

        Assert.Equal((0, 0, 0), (first.ExitCode, retry.ExitCode, second.ExitCode));
        Assert.Equal("v1.10.11", written.OldVersion);
        Assert.Equal("v1.10.11", afterSecond.OldVersion);
        Assert.Equal(written.UpgradeStartedAt, afterSecond.UpgradeStartedAt);
        Assert.Equal("v1.18.0", afterSecond.TargetVersion);
        Assert.Equal("m-2", afterSecond.OperationId);

        var cleared = await node.CtlAsync("marker", "clear", "kubelet", "--id", "m-clear");
        var shown = await node.CtlAsync("marker", "show", "kubelet");

        Assert.Equal(0, cleared.ExitCode);
        Assert.False(File.Exists(node.MarkerPath));
        Assert.Contains("no marker at", shown.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Marker_JsonFormat_IsTheDocumentedShape()
    {
        await using var node = await TestNode.StartAsync();

        var result = await node.CtlAsync("marker", "write", "kubelet", "--id", "w-1", "--old-version", "v1.10.11", "--target-version", "v1.17.0");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(File.ReadAllText(node.MarkerPath));
        var root = json.RootElement;
        Assert.Equal("v1.10.11", root.GetProperty("oldVersion").GetString());
        Assert.Equal("v1.17.0", root.GetProperty("targetVersion").GetString());
        Assert.Equal("w-1", root.GetProperty("operationId").GetString());
        Assert.True(root.GetProperty("upgradeStartedAt").GetDateTimeOffset() > DateTimeOffset.MinValue);
        Assert.Equal(4, root.EnumerateObject().Count());
    }

    [Fact]
    public async Task Marker_ComponentWithoutMarker_FailedPrecondition()
    {
        await using var node = await TestNode.StartAsync();

        var result = await node.CtlAsync("marker", "show", "kube-proxy");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("kube-proxy has no marker configured", result.Err, StringComparison.Ordinal);
    }

    private static async Task<NodeAgent.Contracts.V1.Marker> MarkerAsync(TestNode node)
    {
        var response = await node.Client.GetMarkerAsync(new GetMarkerRequest { Component = "kubelet" });
        Assert.True(response.Present);
        return response.Marker;
    }
}
