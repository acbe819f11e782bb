using Grpc.Core;
using Grpc.Net.Client;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Security;

/// <summary>
/// The attack of issue 22 against a real agent process held to a GC heap limit: monitor callers flood it with
/// refused calls naming thousands of digests while root applies. The agent must stay up, answer, keep every
/// accepted call in its audit trail and stay under the packaged unit's MemoryHigh.
/// </summary>
[Trait("Category", "Security")]
public sealed class AuditFloodMemoryTests(ITestOutputHelper output)
{
    /// <summary>The packaged unit's MemoryHigh (packaging/systemd/nodeagent.service).</summary>
    private const long MemoryHighBytes = 96L * 1024 * 1024;

    /// <summary>The GC heap the agent gets here: well under MemoryHigh, which also holds the runtime and its code.</summary>
    private const string HeapLimit = "0x3000000";

    /// <summary>The attack's own cost over the idle agent when only the JIT build is at hand (its runtime alone is near MemoryHigh).</summary>
    private const long JitGrowthBytes = 32L * 1024 * 1024;

    [Fact]
    public async Task AgentUnderAHeapLimit_FloodedWithRefusedCalls_StaysUp_KeepsEveryAcceptedEntry_AndStaysUnderMemoryHigh()
    {
        await using var node = TestNode.Create(new TestNodeOptions
        {
            TcpPort = StandIn.FreePort(),
            SecurityYaml = "  plaintextRole: monitor\n",
            LimitsYaml = "  mutatingCallsPerMinute: 1000000\n",
        });
        using var unpacked = new TempDir();
        var packaged = PackagedAgent(unpacked);
        await using var agent = await AgentProcess.StartAsync(node, variables: new Dictionary<string, string>
        {
            ["DOTNET_GCHeapHardLimit"] = HeapLimit,
            ["DOTNET_gcServer"] = "0",
        }, executable: packaged);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{node.Options.TcpPort}");
        var monitor = new NodeAgentService.NodeAgentServiceClient(channel);
        var huge = AuditBoundsTests.ApplyNaming(11_800);
        var allowed = AuditBoundsTests.ApplyNaming(64);

        var idle = agent.PeakRssBytes();
        var accepted = new List<string>();
        var attackers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await RefusedAsync(() => monitor.ApplyAsync(i % 2 == 0 ? huge : allowed).ResponseAsync);
            }
        })).ToList();
        for (var i = 0; i < 5; i++)
        {
            var id = $"keep-{i}";
            await node.Client.BackupAsync(new BackupRequest { OperationId = id, Component = "kubelet" });
            await node.WaitForOperationAsync(id);
            accepted.Add(id);
        }

        await Task.WhenAll(attackers);

        Assert.Equal("test-node", (await node.Client.GetInfoAsync(new GetInfoRequest())).NodeName);
        var listed = (await node.Client.ListAuditEntriesAsync(new ListAuditEntriesRequest { Caller = "uid=0", Limit = 1000 })).Entries.Select(e => e.OperationId).ToHashSet();
        Assert.All(accepted, id => Assert.Contains(id, listed));
        var peak = agent.PeakRssBytes();
        var build = packaged is null ? "JIT build; packaging/build.sh makes the NativeAOT one that MemoryHigh applies to" : "packaged NativeAOT agent";
        output.WriteLine($"peak RSS before the attack: {idle / (1024 * 1024)} MB ({build})");
        output.WriteLine($"audit under attack: accepted entries kept: all, peak RSS: {peak / (1024 * 1024)} MB");
        if (packaged is null)
        {
            Assert.True(peak - idle < JitGrowthBytes, $"the attack added {(peak - idle) / (1024 * 1024)} MB");
        }
        else
        {
            Assert.True(peak < MemoryHighBytes, $"peak RSS {peak / (1024 * 1024)} MB is over the unit's MemoryHigh of {MemoryHighBytes / (1024 * 1024)} MB");
        }
    }

    /// <summary>The nodeagent executable from the tarball packaging/build.sh left in artifacts/packages, unpacked into <paramref name="dir"/>; null without one.</summary>
    private static string? PackagedAgent(TempDir dir)
    {
        var tarball = Directory.Exists(RealSystemd.Repo.Packages)
            ? Directory.EnumerateFiles(RealSystemd.Repo.Packages, "nodeagent-*-linux-x64.tar.gz").Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        if (tarball is null)
        {
            return null;
        }

        using var tar = System.Diagnostics.Process.Start("tar", ["-xzf", tarball, "-C", dir.Path])!;
        tar.WaitForExit();
        return Directory.EnumerateFiles(dir.Path, "nodeagent", SearchOption.AllDirectories).FirstOrDefault();
    }

    private static async Task RefusedAsync(Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(refused.StatusCode is StatusCode.ResourceExhausted or StatusCode.PermissionDenied, refused.Status.ToString());
    }
}
