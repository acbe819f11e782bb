using System.Text;
using NodeAgent.Operations;
using NodeAgent.Tests.Infrastructure;
using NodeAgent.Tests.Operations;

namespace NodeAgent.Tests.Security;

/// <summary>
/// Recovery trusts the catalog, not the journal file: a forged or edited record is set aside and reported, and
/// nothing in it is executed. Before the checksum and the catalog check, each of these records was carried out by
/// crash recovery as root (the forged one wrote its payload setuid to a path of the forger's choosing).
/// </summary>
[Trait("Category", "Security")]
public sealed class JournalTrustTests
{
    [Fact]
    public async Task Start_SealedRecordWithAPathNotInTheCatalog_QuarantinedNothingWritten()
    {
        await using var node = TestNode.Create();
        var victim = node.Dir.Combine("node", "etc", "victim");
        var payload = StageBlob(node, "#!/bin/sh\necho owned\n");
        RecoveryTests.WriteJournal(node, Forged("forged-1", OpStep.Swapping, new FileRecord { Role = "binary", Path = victim, NewDigest = payload, Mode = Convert.ToInt32("6755", 8) }));
        File.WriteAllText(victim + ".nodeagent-new", "#!/bin/sh\necho owned\n");

        await node.StartAgentAsync();
        var status = await node.CtlAsync("status");

        Assert.False(File.Exists(victim), "recovery wrote the forged record's file");
        AssertQuarantined(node, status, "forged-1", "the catalog says");
    }

    [Fact]
    public async Task Start_RecordEditedAfterItWasWritten_QuarantinedByItsChecksum()
    {
        await using var node = TestNode.Create();
        var binaryBefore = File.ReadAllBytes(node.KubeletBinary);
        var payload = StageBlob(node, "#!/bin/sh\necho edited\n");
        RecoveryTests.WriteJournal(node, Forged("edited-1", OpStep.Swapping, new FileRecord { Role = "binary", Path = node.KubeletBinary, NewDigest = "0".PadLeft(64, '0'), Mode = Convert.ToInt32("755", 8) }));
        var file = Path.Combine(node.StateDir, "journal", "edited-1.json");
        File.WriteAllText(file, File.ReadAllText(file).Replace("0".PadLeft(64, '0'), payload, StringComparison.Ordinal));

        await node.StartAgentAsync();
        var status = await node.CtlAsync("status");

        Assert.Equal(binaryBefore, File.ReadAllBytes(node.KubeletBinary));
        AssertQuarantined(node, status, "edited-1", "checksum does not match");
    }

    [Fact]
    public async Task Start_UnfinishedRecordWithoutChecksum_QuarantinedNotExecuted()
    {
        await using var node = TestNode.Create();
        var binaryBefore = File.ReadAllBytes(node.KubeletBinary);
        var payload = StageBlob(node, "#!/bin/sh\necho unsealed\n");
        var journal = Path.Combine(node.StateDir, "journal");
        Directory.CreateDirectory(journal);
        var record = Forged("unsealed-1", OpStep.Swapped, new FileRecord { Role = "binary", Path = node.KubeletBinary, NewDigest = payload, Mode = Convert.ToInt32("755", 8) });
        File.WriteAllBytes(Path.Combine(journal, "unsealed-1.json"), System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(record, AgentJsonContext.Default.OperationRecord));

        await node.StartAgentAsync();
        var status = await node.CtlAsync("status");

        Assert.Equal(binaryBefore, File.ReadAllBytes(node.KubeletBinary));
        AssertQuarantined(node, status, "unsealed-1", "no checksum");
    }

    private static void AssertQuarantined(TestNode node, CliResult status, string id, string reason)
    {
        Assert.Equal(0, status.ExitCode);
        Assert.Contains($"journal file {id}.json was not trusted", status.Out, StringComparison.Ordinal);
        Assert.Contains(reason, status.Out, StringComparison.Ordinal);
        Assert.Contains("NEEDS ATTENTION", status.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(node.StateDir, "journal", "quarantine", id + ".json")));
        Assert.False(File.Exists(Path.Combine(node.StateDir, "journal", id + ".json")));
    }

    private static string StageBlob(TestNode node, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var blobs = Path.Combine(node.StateDir, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        File.WriteAllBytes(Path.Combine(blobs, digest), bytes);
        return digest;
    }

    private static OperationRecord Forged(string id, OpStep step, FileRecord file) => new()
    {
        Id = id,
        Kind = OpKind.Apply,
        Component = "kubelet",
        Fingerprint = "forged",
        State = OpState.Running,
        Step = step,
        ToVersion = "v9.9.9",
        FromVersion = "v1.10.11",
        HealthTimeoutSeconds = 5,
        Changed = true,
        CreatedAt = TimeProvider.System.GetUtcNow(),
        Files = [file],
    };
}
