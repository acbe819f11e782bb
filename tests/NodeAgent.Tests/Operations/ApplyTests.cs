using System.Text.Json;
using Grpc.Core;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Operations;

[Trait("Category", "AgentCore")]
public sealed class ApplyTests
{
    [Fact]
    public async Task Apply_EndToEndThroughAgentctl_SwapsFilesWritesMarkerBeforeRestartAndSucceeds()
    {
        await using var node = await TestNode.StartAsync();
        var before = await HealthyStatusAsync(node, "kubelet");
        var binary = await node.StageAsync("kubelet-v1.17.0");
        var config = await node.StageAsync("kubelet-config-v1.17.json");

        var result = await node.CtlAsync("apply", "kubelet", "--id", "up-1", "--version", "v1.17.0", "--marker",
            "--file", $"binary={binary}", "--file", $"config={config}", "-o", "json");

        Assert.True(result.ExitCode == 0, result.Err + result.Out);
        using var json = JsonDocument.Parse(result.Out);
        var op = json.RootElement;
        Assert.Equal("OPERATION_STATE_SUCCEEDED", op.GetProperty("state").GetString());
        Assert.Equal("v1.10.11", op.GetProperty("fromVersion").GetString());
        Assert.Equal(File.ReadAllBytes(node.Artifact("kubelet-v1.17.0")), File.ReadAllBytes(node.KubeletBinary));
        Assert.Equal(File.ReadAllBytes(node.Artifact("kubelet-config-v1.17.json")), File.ReadAllBytes(node.KubeletConfig));
        Assert.Equal((UnixFileMode)Convert.ToInt32("755", 8), File.GetUnixFileMode(node.KubeletBinary));
        Assert.False(File.Exists(node.KubeletBinary + ".nodeagent-new"));

        var steps = op.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("step").GetString()).ToList();
        Assert.True(steps.IndexOf("marker-written") < steps.IndexOf("restarting"), string.Join(",", steps));
        Assert.True(File.Exists(node.MarkerPath));

        var after = await HealthyStatusAsync(node, "kubelet");
        Assert.NotEqual(before.MainPid, after.MainPid);
        Assert.Equal(after.MainPid, op.GetProperty("newMainPid").GetInt64());
        Assert.Equal("v1.17.0", after.Version);

        var journal = JsonDocument.Parse(File.ReadAllText(Path.Combine(node.StateDir, "journal", "up-1.json")));
        Assert.Equal("Succeeded", journal.RootElement.GetProperty("state").GetString());
        node.Logs.AssertNoErrors();
    }

    [Fact]
    public async Task Apply_NewVersionNeverHealthy_RolledBackWithOldBinaryRunning()
    {
        await using var node = await TestNode.StartAsync();
        var oldBinary = File.ReadAllBytes(node.KubeletBinary);
        await HealthyStatusAsync(node, "kubelet");
        var broken = await node.StageAsync("kubelet-v1.17.1-broken");

        var result = await node.CtlAsync("apply", "kubelet", "--id", "bad-1", "--version", "v1.17.1", "--marker",
            "--health-timeout", "3s", "--file", $"binary={broken}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("rolled-back", result.Out, StringComparison.Ordinal);
        Assert.Contains("did not become healthy", result.Out, StringComparison.Ordinal);
        Assert.Equal(oldBinary, File.ReadAllBytes(node.KubeletBinary));
        Assert.False(File.Exists(node.MarkerPath), "the marker this apply wrote must be removed by its rollback");
        var status = await HealthyStatusAsync(node, "kubelet");
        Assert.Equal("v1.10.11", status.Version);
        var op = (await node.Client.GetOperationAsync(new GetOperationRequest { OperationId = "bad-1" })).Operation;
        Assert.Equal(OperationState.RolledBack, op.State);
        Assert.Contains("v1.17.1 did not become healthy", op.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_SameOperationIdTwice_RunsOnce()
    {
        await using var node = await TestNode.StartAsync();
        await HealthyStatusAsync(node, "kubelet");
        var request = await ApplyRequestAsync(node, "once-1", "kubelet-v1.17.0", "v1.17.0");
        var first = (await node.Client.ApplyAsync(request)).Operation;
        var done = await node.WaitForOperationAsync("once-1");

        var second = (await node.Client.ApplyAsync(request)).Operation;

        Assert.False(first.Existing);
        Assert.True(second.Existing);
        Assert.Equal(OperationState.Succeeded, second.State);
        Assert.Equal(done.Events.Count, second.Events.Count);
        Assert.Equal(done.NewMainPid, (await HealthyStatusAsync(node, "kubelet")).MainPid);
    }

    [Fact]
    public async Task Apply_SameIdWithDifferentRequest_AlreadyExistsAndNothingRuns()
    {
        await using var node = await TestNode.StartAsync();
        await HealthyStatusAsync(node, "kubelet");
        await node.Client.ApplyAsync(await ApplyRequestAsync(node, "reuse-1", "kubelet-v1.17.0", "v1.17.0"));
        await node.WaitForOperationAsync("reuse-1");
        var other = await node.StageAsync("kubelet-v1.18.0");

        var result = await node.CtlAsync("apply", "kubelet", "--id", "reuse-1", "--version", "v1.18.0", "--file", $"binary={other}");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("AlreadyExists", result.Err, StringComparison.Ordinal);
        Assert.Contains("choose a new id", result.Err, StringComparison.Ordinal);
        Assert.Equal("v1.17.0", (await HealthyStatusAsync(node, "kubelet")).Version);
    }

    [Fact]
    public async Task Apply_TargetAlreadyCurrent_SucceedsWithoutRestart()
    {
        await using var node = await TestNode.StartAsync();
        var before = await HealthyStatusAsync(node, "kubelet");
        var current = await node.StageAsync("kubelet-v1.10.11");

        var result = await node.CtlAsync("apply", "kubelet", "--id", "noop-1", "--version", "v1.10.11", "--file", $"binary={current}", "-o", "json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.False(json.RootElement.GetProperty("changed").GetBoolean());
        Assert.Contains("already at the target", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before.MainPid, (await HealthyStatusAsync(node, "kubelet")).MainPid);
    }

    [Fact]
    public async Task Apply_TwoConcurrentOnOneComponent_SecondIsAborted()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { StartupDelayMs = 1500 });
        await HealthyStatusAsync(node, "kubelet");
        var first = await ApplyRequestAsync(node, "race-1", "kubelet-v1.17.0", "v1.17.0");
        var second = await ApplyRequestAsync(node, "race-2", "kubelet-v1.18.0", "v1.18.0");
        await node.Client.ApplyAsync(first);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await node.Client.ApplyAsync(second));

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Contains("busy with operation race-1", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(OperationState.Succeeded, (await node.WaitForOperationAsync("race-1")).State);
        await Assert.ThrowsAsync<RpcException>(async () => await node.Client.GetOperationAsync(new GetOperationRequest { OperationId = "race-2" }));
    }

    [Fact]
    public async Task Apply_BadRequests_ClearStatusAndNothingChanges()
    {
        await using var node = await TestNode.StartAsync();
        var staged = await node.StageAsync("kubelet-v1.17.0");
        var oldBinary = File.ReadAllBytes(node.KubeletBinary);
        var missing = new string('a', 64);

        var unknown = await node.CtlAsync("apply", "etcd", "--version", "v1.17.0", "--file", $"binary={staged}");
        var notStaged = await node.CtlAsync("apply", "kubelet", "--version", "v1.17.0", "--file", $"binary={missing}");
        var badRole = await node.CtlAsync("apply", "kubelet", "--version", "v1.17.0", "--file", $"shadow={staged}");
        var badVersion = await node.CtlAsync("apply", "kubelet", "--version", "latest", "--file", $"binary={staged}");
        var badId = await node.CtlAsync("apply", "kubelet", "--id", "../../x", "--version", "v1.17.0", "--file", $"binary={staged}");

        Assert.Equal((3, "component etcd is not in this agent's catalog"), (unknown.ExitCode, Detail(unknown)));
        Assert.Equal(3, notStaged.ExitCode);
        Assert.Contains($"blob {missing} for binary is not staged", notStaged.Err, StringComparison.Ordinal);
        Assert.Equal(2, badRole.ExitCode);
        Assert.Contains("kubelet has no file with role \"shadow\"", badRole.Err, StringComparison.Ordinal);
        Assert.Equal(2, badVersion.ExitCode);
        Assert.Contains("target_version", badVersion.Err, StringComparison.Ordinal);
        Assert.Equal(2, badId.ExitCode);
        Assert.Contains("operation_id", badId.Err, StringComparison.Ordinal);
        Assert.Equal(oldBinary, File.ReadAllBytes(node.KubeletBinary));
        Assert.Empty((await node.Client.ListOperationsAsync(new ListOperationsRequest())).Operations);
    }

    [Fact]
    public async Task Apply_StagedBlobCorruptedOnDisk_FailsBeforeTouchingTheTarget()
    {
        await using var node = await TestNode.StartAsync();
        await HealthyStatusAsync(node, "kubelet");
        var staged = await node.StageAsync("kubelet-v1.17.0");
        var oldBinary = File.ReadAllBytes(node.KubeletBinary);
        File.WriteAllText(Path.Combine(node.StateDir, "blobs", "sha256", staged), "tampered");

        var result = await node.CtlAsync("apply", "kubelet", "--id", "corrupt-1", "--version", "v1.17.0", "--file", $"binary={staged}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is corrupt", result.Out, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", result.Out, StringComparison.Ordinal);
        Assert.Equal(oldBinary, File.ReadAllBytes(node.KubeletBinary));
    }

    [Fact]
    public async Task Apply_RolledBackAfterCreatingANewFile_RemovesThatFile()
    {
        await using var node = await TestNode.StartAsync();
        await HealthyStatusAsync(node, "kubelet");
        var broken = await node.StageAsync("kubelet-v1.17.1-broken");
        var flags = await node.StageAsync("kubelet-flags-v1.17.conf");

        var result = await node.CtlAsync("apply", "kubelet", "--id", "new-file-1", "--version", "v1.17.1", "--health-timeout", "2s",
            "--file", $"binary={broken}", "--file", $"flags={flags}", "-o", "json");

        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("OPERATION_STATE_ROLLED_BACK", json.RootElement.GetProperty("state").GetString());
        Assert.False(File.Exists(node.KubeletFlags));
        Assert.False(File.Exists(node.KubeletFlags + ".nodeagent-new"));
        Assert.Equal("v1.10.11", (await HealthyStatusAsync(node, "kubelet")).Version);
    }

    [Fact]
    public async Task Apply_CreatesAFileWithTheCatalogMode()
    {
        await using var node = await TestNode.StartAsync();
        await HealthyStatusAsync(node, "kubelet");

        var result = await node.CtlAsync("apply", "kubelet", "--version", "v1.17.0",
            "--file", $"binary={node.Artifact("kubelet-v1.17.0")}", "--file", $"flags={node.Artifact("kubelet-flags-v1.17.conf")}");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(node.KubeletFlags));
        Assert.Equal(File.ReadAllBytes(node.Artifact("kubelet-flags-v1.17.conf")), File.ReadAllBytes(node.KubeletFlags));
    }

    [Fact]
    public async Task Apply_HealthTimeoutOutOfRange_InvalidArgument()
    {
        await using var node = await TestNode.StartAsync();
        var request = await ApplyRequestAsync(node, "timeout-1", "kubelet-v1.17.0", "v1.17.0");
        request.HealthTimeout = new Google.Protobuf.WellKnownTypes.Duration { Seconds = 10_000_000 };

        var error = await Assert.ThrowsAsync<RpcException>(async () => await node.Client.ApplyAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("health_timeout", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_OldVersionBrokenToo_RollbackFailedExitCode7AndNeedsAttention()
    {
        await using var node = TestNode.Create();
        StandIn.WriteBinary(node.KubeletBinary, "v1.10.11", "--never-healthy");
        await node.StartAgentAsync();
        var broken = await node.StageAsync("kubelet-v1.17.1-broken");

        var result = await node.CtlAsync("apply", "kubelet", "--id", "worse-1", "--version", "v1.17.1", "--health-timeout", "2s", "--file", $"binary={broken}");
        var status = await node.CtlAsync("status");

        Assert.Equal(7, result.ExitCode);
        Assert.Contains("ROLLBACK-FAILED", result.Out, StringComparison.Ordinal);
        Assert.Contains("the old files are back but", result.Out, StringComparison.Ordinal);
        Assert.Contains("NEEDS ATTENTION: operation worse-1 ended rollback-failed", status.Out, StringComparison.Ordinal);
    }

    internal static async Task<ApplyRequest> ApplyRequestAsync(TestNode node, string id, string artifact, string version) => new()
    {
        OperationId = id,
        Component = "kubelet",
        TargetVersion = version,
        Files = { new TargetFile { Role = "binary", Sha256 = await node.StageAsync(artifact) } },
    };

    internal static async Task<ComponentStatus> HealthyStatusAsync(TestNode node, string component)
    {
        ComponentStatus? status = null;
        await Eventually.TrueAsync(
            async () => (status = (await node.Client.GetInfoAsync(new GetInfoRequest { Probe = true })).Components.Single(c => c.Name == component)).Healthy,
            TimeSpan.FromSeconds(30),
            $"{component} to be healthy");
        return status!;
    }

    private static string Detail(CliResult result) => result.Err.Split(": ", 3)[^1].Split(';')[0].Trim();
}
