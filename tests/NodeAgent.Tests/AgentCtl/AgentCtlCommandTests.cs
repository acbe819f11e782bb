using System.Text.Json;
using NodeAgent.Tests.Infrastructure;
using NodeAgent.Tests.Operations;

namespace NodeAgent.Tests.AgentCtl;

/// <summary>Every agentctl command against a real agent, in human and JSON output.</summary>
[Trait("Category", "AgentCore")]
public sealed class AgentCtlCommandTests
{
    [Fact]
    public async Task EveryCommand_HumanAndJson_ExitZeroAndSayWhatHappened()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { GcMinAgeHours = 0 });
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        await ApplyTests.HealthyStatusAsync(node, "kube-proxy");
        var v17 = TestNode.Digest(node.Artifact("kubelet-v1.17.0"));

        await Expect(node, ["status"], "kubelet [kubelet]: healthy", "components");
        await Expect(node, ["stage", node.Artifact("kubelet-v1.17.0")], $"staged {v17}", "sha256");
        await Expect(node, ["stage", node.Artifact("kubelet-v1.17.0")], "already present", "alreadyPresent");
        await Expect(node, ["artifacts"], v17, "artifacts");
        await Expect(node, ["artifacts", "--verify"], " ok ", "artifacts");
        await Expect(node, ["verify", v17], $"ok: {v17}", "computedSha256");
        await Expect(node, ["backup", "kubelet"], "backup", "files");
        await Expect(node, ["apply", "kubelet", "--version", "v1.17.0", "--file", $"binary={v17}"], "apply kubelet succeeded", "newMainPid");
        await Expect(node, ["rollback", "kubelet"], "rollback kubelet succeeded", "rollsBackOperationId");
        await Expect(node, ["restart", "kube-proxy"], "restart kube-proxy succeeded", "newMainPid");
        await Expect(node, ["stop", "kube-proxy"], "stop kube-proxy succeeded", "state");
        await Expect(node, ["start", "kube-proxy"], "start kube-proxy succeeded", "state");
        await Expect(node, ["marker", "write", "kubelet", "--target-version", "v1.17.0"], "write-marker kubelet succeeded", "message");
        await Expect(node, ["marker", "show", "kubelet"], "old version         v1.10.11", "marker");
        await Expect(node, ["marker", "clear", "kubelet"], "clear-marker kubelet succeeded", "message");
        await Expect(node, ["ops"], "rollback", "operations");
        await Expect(node, ["ops", "--component", "kube-proxy", "--limit", "1"], "start", "operations");
        await Expect(node, ["gc", "--dry-run"], "would remove", "dryRun");
        await Expect(node, ["gc"], "removed", "removed");
    }

    [Fact]
    public async Task Node_PlaintextLoopbackTcp_SameAnswersAsTheSocket()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { TcpPort = StandIn.FreePort() });

        var overTcp = await node.CtlAsync("--node", $"127.0.0.1:{node.Options.TcpPort}", "status", "-o", "json");

        Assert.True(overTcp.ExitCode == 0, overTcp.Err);
        using var json = JsonDocument.Parse(overTcp.Out);
        Assert.Equal("test-node", json.RootElement.GetProperty("nodeName").GetString());
    }

    [Fact]
    public async Task Op_WithWatchAndById_ShowsEventsAndOutcome()
    {
        await using var node = await TestNode.StartAsync();
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        var apply = await node.CtlAsync("apply", "kubelet", "--id", "watch-1", "--no-wait", "--version", "v1.17.0", "--file", $"binary={node.Artifact("kubelet-v1.17.0")}");

        var watched = await node.CtlAsync("op", "watch-1", "--watch");
        var shown = await node.CtlAsync("op", "watch-1", "-o", "json");

        Assert.Equal(0, apply.ExitCode);
        Assert.Equal(0, watched.ExitCode);
        Assert.Contains("healthy", watched.Err, StringComparison.Ordinal);
        Assert.Contains("apply kubelet succeeded", watched.Out, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(shown.Out);
        Assert.Equal("OPERATION_STATE_SUCCEEDED", json.RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Errors_UnknownOperationUnreachableAgentBadUsage_DocumentedExitCodes()
    {
        await using var node = await TestNode.StartAsync();

        var unknown = await node.CtlAsync("op", "no-such-op");
        var usage = await node.CtlAsync("apply", "kubelet");
        var badOutput = await node.CtlAsync("status", "-o", "xml");
        await node.StopAgentAsync();
        var unreachable = await node.CtlAsync("status");

        Assert.Equal(3, unknown.ExitCode);
        Assert.Contains("no operation no-such-op", unknown.Err, StringComparison.Ordinal);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--version", usage.Err, StringComparison.Ordinal);
        Assert.Equal(2, badOutput.ExitCode);
        Assert.Equal(5, unreachable.ExitCode);
        Assert.Contains("cannot reach the agent", unreachable.Err, StringComparison.Ordinal);
        Assert.Empty(unreachable.Out);
    }

    /// <summary>Runs a command in human form (expects <paramref name="humanText"/>) and in JSON (expects a property).</summary>
    private static async Task Expect(TestNode node, string[] args, string humanText, string jsonProperty)
    {
        var human = await node.CtlAsync(args);
        Assert.True(human.ExitCode == 0, $"agentctl {string.Join(' ', args)} exited {human.ExitCode}: {human.Err}");
        Assert.True(human.Out.Contains(humanText, StringComparison.Ordinal), $"agentctl {string.Join(" ", args)} printed:\n{human.Out}");

        var json = await node.CtlAsync([.. args, "-o", "json"]);
        Assert.True(json.ExitCode == 0, $"agentctl {string.Join(' ', args)} -o json exited {json.ExitCode}: {json.Err}");
        using var document = JsonDocument.Parse(json.Out);
        Assert.True(document.RootElement.TryGetProperty(jsonProperty, out _), $"agentctl {string.Join(' ', args)} -o json has no {jsonProperty}: {json.Out}");
    }
}
