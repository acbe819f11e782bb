using System.Globalization;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.CrashConsistency;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Operations;

/// <summary>Full disks refused with RESOURCE_EXHAUSTED (exit 6) before anything moves, and an agent outside its workload's path.</summary>
[Trait("Category", "ApplyEdgeCases")]
public sealed class ApplyRefusalTests
{
    [SkippableFact]
    public async Task Apply_StateDirectoryWithZeroBytesFree_ResourceExhaustedNamingTheJournalAndFreeBytes_ThenWorksOnceSpaceIsBack()
    {
        await using var node = TestNode.Create();
        using var disk = TmpfsMount.Create(node.StateDir, 8);
        await node.StartAgentAsync();
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        var digest = await node.StageAsync("kubelet-v1.17.0");
        Assert.Equal(0, (await node.CtlAsync("backup", "kubelet", "--id", "keep-old")).ExitCode);
        var before = TestNode.Digest(node.KubeletBinary);
        var filler = disk.Fill();

        var refused = await node.CtlAsync("apply", "kubelet", "--id", "full-1", "--version", "v1.17.0", "--file", $"binary={digest}");

        Assert.Equal(6, refused.ExitCode);
        Assert.Contains(Path.Combine(node.StateDir, "journal"), refused.Err, StringComparison.Ordinal);
        Assert.Contains("bytes free", refused.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", refused.Err, StringComparison.Ordinal);
        Assert.Equal(before, TestNode.Digest(node.KubeletBinary));
        Assert.False(File.Exists(node.KubeletBinary + ".nodeagent-new"));

        File.Delete(filler);
        var again = await node.CtlAsync("apply", "kubelet", "--id", "full-1", "--version", "v1.17.0", "--file", $"binary={digest}");

        Assert.True(again.ExitCode == 0, again.Err + again.Out);
        Assert.Equal(digest, TestNode.Digest(node.KubeletBinary));
        await node.StopAgentAsync();
    }

    [SkippableFact]
    public async Task Apply_MarkerFileSystemFull_ResourceExhaustedNamingTheMarkerAndFreeBytes_TargetUntouched()
    {
        await using var node = TestNode.Create();
        using var disk = TmpfsMount.Create(Path.GetDirectoryName(node.MarkerPath)!, 1);
        await node.StartAgentAsync();
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        var digest = await node.StageAsync("kubelet-v1.17.0");
        var before = TestNode.Digest(node.KubeletBinary);
        disk.Fill();

        var refused = await node.CtlAsync("apply", "kubelet", "--id", "full-marker", "--version", "v1.17.0", "--marker", "--file", $"binary={digest}");

        Assert.Equal(6, refused.ExitCode);
        Assert.Contains($"not enough disk for the marker {node.MarkerPath}", refused.Err, StringComparison.Ordinal);
        Assert.Contains("bytes free", refused.Err, StringComparison.Ordinal);
        Assert.Equal(before, TestNode.Digest(node.KubeletBinary));
        Assert.False(File.Exists(node.MarkerPath));
        await node.StopAgentAsync();
    }

    [Fact]
    public async Task StopAgent_ProcessManager_ComponentsKeepRunningAndAreAdoptedAtTheNextStart()
    {
        await using var node = await TestNode.StartAsync();
        var running = await ApplyTests.HealthyStatusAsync(node, "kubelet");

        await node.StopAgentAsync();

        Assert.True(Directory.Exists($"/proc/{running.MainPid}"), "kubelet stopped with the agent");
        await node.StartAgentAsync();
        var adopted = await ApplyTests.HealthyStatusAsync(node, "kubelet");
        Assert.Equal(running.MainPid, adopted.MainPid);
        Assert.Single(FaultTests.ProcessesWithEnvironment($"NODEAGENT_UNIT_LOG={Path.Combine(node.StateDir, "run", "kubelet.log")}"));
    }

    [Fact]
    public async Task Start_ProcessManager_PidFileHoldsThePidAndItsStartTime()
    {
        await using var node = await TestNode.StartAsync();
        var running = await ApplyTests.HealthyStatusAsync(node, "kubelet");

        var fields = File.ReadAllText(Path.Combine(node.StateDir, "run", "kubelet.pid")).Trim().Split(' ');

        Assert.Equal(2, fields.Length);
        Assert.Equal(running.MainPid.ToString(CultureInfo.InvariantCulture), fields[0]);
        var stat = File.ReadAllText($"/proc/{running.MainPid}/stat");
        Assert.Equal(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], fields[1]);
    }
}
