using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Configuration;
using NodeAgent.Contracts.V1;
using NodeAgent.Security;
using NodeAgent.Store;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Security;

/// <summary>The audit trail stays bounded under a flood of refused calls and never loses an accepted call to one.</summary>
[Trait("Category", "Security")]
public sealed class AuditBoundsTests
{
    [Fact]
    public void Entry_WithHostileFields_IsCappedAt4KiB_AndCountsTheDigestsItLeftOut()
    {
        var entry = new AuditEntry { Caller = new string('\u0001', 5000), Message = new string('\v', 20_000), Method = "Apply", Outcome = "PermissionDenied" };
        entry.Digests.AddRange(Enumerable.Range(0, 64).Select(i => new string('\0', 100) + i));

        var line = AuditEntryBounds.Apply(entry);

        Assert.True(Encoding.UTF8.GetByteCount(line) <= AuditEntryBounds.MaxEntryBytes, $"{Encoding.UTF8.GetByteCount(line)} bytes");
        Assert.True(entry.Omitted > 0);
        Assert.Equal(64, entry.Digests.Count + (int)entry.Omitted);
        Assert.DoesNotContain(line[..^1], c => char.IsControl(c));
    }

    [Fact]
    public void Refusals_OverThePerCallerRate_AreCountedAndSummarised_NotWrittenOneByOne()
    {
        using var dir = new TempDir();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var audit = NewAuditLog(dir, time);

        for (var i = 0; i < 100; i++)
        {
            audit.RecordRefusal(Refusal("mallory"), "mallory");
        }

        time.Advance(TimeSpan.FromSeconds(61));
        audit.Record(new AuditEntry { Caller = "uid=0", Method = "Apply", OperationId = "after", Outcome = "OK" });

        var refusals = File.ReadAllLines(Path.Combine(dir.Path, "audit", "refusals.jsonl"));
        Assert.Equal(11, refusals.Length);
        var summary = audit.List(new ListAuditEntriesRequest { Caller = "mallory" })[0];
        Assert.Equal(AuditLog.SummaryOutcome, summary.Outcome);
        Assert.Equal(90u, summary.SuppressedRefusals);
    }

    [Fact]
    public void Refusals_ThatFillTheirTrailManyTimesOver_NeverRotateAnAcceptedCallOut()
    {
        using var dir = new TempDir();
        var audit = NewAuditLog(dir, TimeProvider.System);
        audit.Record(new AuditEntry { Caller = "CN=operator", Method = "Apply", OperationId = "keep-me", Outcome = "OK" });

        // Distinct callers, so the per-caller rate does not hold them back: about 30 times the trail's 64 KiB.
        var hostileMessage = new string('\u0001', 400);
        for (var i = 0; i < 1000; i++)
        {
            var entry = Refusal($"CN=attacker-{i}");
            entry.Message = hostileMessage;
            audit.RecordRefusal(entry, $"CN=attacker-{i}");
        }

        var kept = audit.List(new ListAuditEntriesRequest { OperationId = "keep-me" });
        Assert.Single(kept);
        Assert.True(File.Exists(Path.Combine(dir.Path, "audit", $"refusals.{AuditTrail.Generations}.jsonl")), "the refusals trail rotated");
        Assert.All(Directory.GetFiles(Path.Combine(dir.Path, "audit")), path => Assert.True(new FileInfo(path).Length < 64 * 1024 + AuditEntryBounds.MaxEntryBytes, path));
    }

    [Fact]
    public void ReverseLines_ReadsNewestFirst_AcrossBlocks_AndSkipsAnOversizedLine()
    {
        using var dir = new TempDir();
        var path = dir.Combine("lines");
        var lines = Enumerable.Range(0, 5000).Select(i => $"line {i} {new string('x', i % 97)}").ToList();
        lines.Insert(2500, new string('y', ReverseLines.MaxLine + 10));
        File.WriteAllText(path, string.Join("\n", lines) + "\n");

        var read = ReverseLines.Read(path).ToList();

        lines.RemoveAt(2500);
        lines.Reverse();
        Assert.Equal(lines, read);
    }

    [Fact]
    public async Task MonitorApply_WithThousandsOfDigests_IsRefusedBeforeItIsBuilt_AndLeavesOneSmallEntry()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { TcpPort = StandIn.FreePort(), SecurityYaml = "  plaintextRole: monitor\n" });
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{node.Options.TcpPort}");
        var monitor = new NodeAgentService.NodeAgentServiceClient(channel);

        var huge = await Assert.ThrowsAsync<RpcException>(() => monitor.ApplyAsync(ApplyNaming(11_800)).ResponseAsync);
        var many = await Assert.ThrowsAsync<RpcException>(() => monitor.ApplyAsync(ApplyNaming(100)).ResponseAsync);
        var fine = await Assert.ThrowsAsync<RpcException>(() => monitor.ApplyAsync(ApplyNaming(3)).ResponseAsync);

        Assert.Equal((StatusCode.ResourceExhausted, true), (huge.StatusCode, huge.Status.Detail.Contains("Limits:MaxRequestBytes", StringComparison.Ordinal)));
        Assert.Equal((StatusCode.ResourceExhausted, true), (many.StatusCode, many.Status.Detail.Contains("Limits:MaxDigestsPerRequest", StringComparison.Ordinal)));
        Assert.Equal(StatusCode.PermissionDenied, fine.StatusCode);
        var trail = Directory.GetFiles(Path.Combine(node.StateDir, "audit")).Sum(path => new FileInfo(path).Length);
        Assert.True(trail <= 3 * AuditEntryBounds.MaxEntryBytes, $"{trail} bytes of audit for three refusals");
        var entries = (await node.Client.ListAuditEntriesAsync(new ListAuditEntriesRequest { Caller = "plaintext" })).Entries;
        Assert.Equal(["PermissionDenied", "ResourceExhausted", "ResourceExhausted"], entries.Select(e => e.Outcome));
        Assert.Equal(3, entries[0].Digests.Count);
    }

    internal static ApplyRequest ApplyNaming(int digests)
    {
        var request = new ApplyRequest { OperationId = "flood", Component = "kubelet", TargetVersion = "v1.17.0" };
        request.Files.AddRange(Enumerable.Range(0, digests).Select(i => new TargetFile { Role = "binary", Sha256 = i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture) }));
        return request;
    }

    private static AuditEntry Refusal(string caller) => new() { Caller = caller, Method = "Apply", Outcome = "PermissionDenied", Message = "role monitor may not call Apply" };

    private static AuditLog NewAuditLog(TempDir dir, TimeProvider time)
    {
        var options = new AgentOptions { StateDir = dir.Path, Security = new SecurityOptions { AuditMaxBytes = 64 * 1024 } };
        return new AuditLog(new AgentPaths(options), options, time, NullLogger<AuditLog>.Instance);
    }
}
