using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;
using NodeAgent.Tests.Operations;

namespace NodeAgent.Tests.CrashConsistency;

/// <summary>Full disks, corrupt blobs, and callers or agents that go away in the middle of things.</summary>
[Trait("Category", "CrashConsistency")]
public sealed class FaultTests
{
    [SkippableFact]
    public async Task Stage_BlobLargerThanTheDisk_ResourceExhaustedBeforeWritingAndAgentServes()
    {
        await using var node = TestNode.Create();
        using var disk = TmpfsMount.Create(node.StateDir, 8);
        await node.StartAgentAsync();
        var big = node.Artifact("big.bin");
        await File.WriteAllBytesAsync(big, RandomNumberGenerator.GetBytes(12 * 1024 * 1024));

        var result = await node.CtlAsync("stage", big);

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("not enough disk", result.Err, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(node.StateDir, "tmp")));
        Assert.Equal(0, (await node.CtlAsync("status")).ExitCode);
        await node.StopAgentAsync();
    }

    [SkippableFact]
    public async Task Stage_DiskFillsUpMidStream_ResourceExhaustedAndNoPartialFile()
    {
        await using var node = TestNode.Create();
        using var disk = TmpfsMount.Create(node.StateDir, 8);
        await node.StartAgentAsync();
        var content = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
        var digest = Convert.ToHexStringLower(SHA256.HashData(content));
        using var call = node.Client.StageArtifact();
        await call.RequestStream.WriteAsync(new StageArtifactRequest { Header = new ArtifactHeader { Name = "fills-the-disk", Sha256 = digest, Size = content.Length } });
        await call.RequestStream.WriteAsync(new StageArtifactRequest { Chunk = ByteString.CopyFrom(content, 0, 1024 * 1024) });
        var temp = Path.Combine(node.StateDir, "tmp");
        await Eventually.TrueAsync(() => Task.FromResult(Directory.EnumerateFiles(temp).Any()), TimeSpan.FromSeconds(10), "the upload to start");
        var filler = disk.Fill();

        await Assert.ThrowsAsync<RpcException>(async () =>
        {
            for (var offset = 1024 * 1024; offset < content.Length; offset += 1024 * 1024)
            {
                await call.RequestStream.WriteAsync(new StageArtifactRequest { Chunk = ByteString.CopyFrom(content, offset, 1024 * 1024) });
            }

            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });

        Assert.Equal(StatusCode.ResourceExhausted, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync)).StatusCode);
        Assert.Empty(Directory.EnumerateFiles(temp));
        File.Delete(filler);
        Assert.Equal(0, (await node.CtlAsync("status")).ExitCode);
        await node.StopAgentAsync();
    }

    [SkippableFact]
    public async Task Apply_BackupDoesNotFit_RefusedBeforeTouchingTheTarget()
    {
        await using var node = TestNode.Create();
        var padded = File.ReadAllText(node.KubeletBinary) + new string('#', 12 * 1024 * 1024) + "\n";
        File.WriteAllText(node.KubeletBinary, padded);
        using var disk = TmpfsMount.Create(node.StateDir, 8);
        await node.StartAgentAsync();
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        var before = TestNode.Digest(node.KubeletBinary);

        var result = await node.CtlAsync("apply", "kubelet", "--id", "no-room", "--version", "v1.17.0", "--file", $"binary={node.Artifact("kubelet-v1.17.0")}");

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("not enough disk to keep a copy", result.Err, StringComparison.Ordinal);
        Assert.Contains(" free", result.Err, StringComparison.Ordinal);
        Assert.Equal(before, TestNode.Digest(node.KubeletBinary));
        Assert.False(File.Exists(node.KubeletBinary + ".nodeagent-new"));
        Assert.Equal("v1.10.11", (await ApplyTests.HealthyStatusAsync(node, "kubelet")).Version);
        await node.StopAgentAsync();
    }

    [Fact]
    public async Task Artifacts_BlobCorruptedAfterStaging_ReportedCorruptWithExitCode1()
    {
        await using var node = await TestNode.StartAsync();
        var digest = await node.StageAsync("kubelet-v1.17.0");
        File.AppendAllText(Path.Combine(node.StateDir, "blobs", "sha256", digest), "bit rot");

        var list = await node.CtlAsync("artifacts", "--verify");
        var verify = await node.CtlAsync("verify", digest);

        Assert.Equal(1, list.ExitCode);
        Assert.Contains($"{digest} CORRUPT", list.Out, StringComparison.Ordinal);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("CORRUPT", verify.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_CallerStopsWatchingMidway_OperationFinishesAndCanBeWatchedAgain()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { StartupDelayMs = 800 });
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        await node.Client.ApplyAsync(await ApplyTests.ApplyRequestAsync(node, "walk-away", "kubelet-v1.17.0", "v1.17.0"));
        using (var cancel = new CancellationTokenSource())
        {
            using var watch = node.Client.WatchOperation(new WatchOperationRequest { OperationId = "walk-away" }, cancellationToken: cancel.Token);
            Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
            await cancel.CancelAsync();
        }

        using var again = node.Client.WatchOperation(new WatchOperationRequest { OperationId = "walk-away" });
        var events = new List<OperationEvent>();
        await foreach (var e in again.ResponseStream.ReadAllAsync())
        {
            events.Add(e);
        }

        Assert.Equal(OperationState.Succeeded, events[^1].State);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task ProcessManager_AgentKilledBeforeRecordingAStart_NextAgentAdoptsInsteadOfStartingASecondCopy()
    {
        await using var node = TestNode.Create();
        var first = await AgentProcess.StartAsync(node);
        var running = await ApplyTests.HealthyStatusAsync(node, "kubelet");
        var pidFile = Path.Combine(node.StateDir, "run", "kubelet.pid");
        first.Kill();
        await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await first.DisposeAsync();
        await File.WriteAllTextAsync(pidFile, $"{running.MainPid}\n");

        await using var second = await AgentProcess.StartAsync(node);
        var adopted = await ApplyTests.HealthyStatusAsync(node, "kubelet");

        Assert.Equal(running.MainPid, adopted.MainPid);
        Assert.Single(ProcessesWithEnvironment($"NODEAGENT_UNIT_LOG={Path.Combine(node.StateDir, "run", "kubelet.log")}"));
    }

    internal static List<int> ProcessesWithEnvironment(string entry)
    {
        var found = new List<int>();
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(proc), System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(proc, "environ")).Split('\0').Contains(entry))
                    {
                        found.Add(pid);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The process ended while the directory was listed, or is not ours to read.
                }
            }
        }

        return found;
    }

    [Fact]
    public async Task Watch_AgentKilledAndRestartedWhileWatching_ClientSeesTheFinalState()
    {
        await using var node = TestNode.Create(new TestNodeOptions { StartupDelayMs = 1500 });
        var first = await AgentProcess.StartAsync(node);
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        await node.Client.ApplyAsync(await ApplyTests.ApplyRequestAsync(node, "watched", "kubelet-v1.17.0", "v1.17.0"));
        var watcher = node.CtlAsync("op", "watched", "--watch");
        await Eventually.TrueAsync(
            async () => (await node.Client.GetOperationAsync(new GetOperationRequest { OperationId = "watched" })).Operation.Step == "restarted",
            TimeSpan.FromSeconds(30),
            "the apply to reach the health wait");

        first.Kill();
        await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await first.DisposeAsync();
        await using var second = await AgentProcess.StartAsync(node);
        var result = await watcher;

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("reconnecting", result.Err, StringComparison.Ordinal);
        Assert.Contains("apply kubelet succeeded", result.Out, StringComparison.Ordinal);
    }
}
