using System.Text.Json;
using NodeAgent.Contracts.V1;
using NodeAgent.Operations;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Operations;

/// <summary>
/// An apply's journal left at each step, with the node's files as they are at that step, before the agent starts:
/// recovery must finish or undo it before the agent answers, leaving the component wholly old or wholly new.
/// </summary>
[Trait("Category", "AgentCore")]
public sealed class RecoveryTests
{
    public static TheoryData<string, string, bool> Steps => new()
    {
        { nameof(OpStep.Accepted), "OPERATION_STATE_FAILED", false },
        { nameof(OpStep.Prepared), "OPERATION_STATE_FAILED", false },
        { nameof(OpStep.BackedUp), "OPERATION_STATE_FAILED", false },
        { nameof(OpStep.Written), "OPERATION_STATE_FAILED", false },
        { nameof(OpStep.MarkerWritten), "OPERATION_STATE_FAILED", false },
        { nameof(OpStep.Swapping), "OPERATION_STATE_ROLLED_BACK", false },
        { nameof(OpStep.Swapped), "OPERATION_STATE_SUCCEEDED", true },
        { nameof(OpStep.Reloaded), "OPERATION_STATE_SUCCEEDED", true },
        { nameof(OpStep.Restarting), "OPERATION_STATE_SUCCEEDED", true },
        { nameof(OpStep.Restarted), "OPERATION_STATE_SUCCEEDED", true },
        { nameof(OpStep.RollingBack), "OPERATION_STATE_ROLLED_BACK", false },
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task Start_JournalLeftAtStep_FinishedOrUndoneBeforeReady(string step, string expectedState, bool endsNew)
    {
        await using var node = TestNode.Create();
        var oldBytes = File.ReadAllBytes(node.KubeletBinary);
        var newBytes = File.ReadAllBytes(node.Artifact("kubelet-v1.17.0"));
        ArrangeNodeAt(node, Enum.Parse<OpStep>(step), oldBytes, newBytes);

        await node.StartAgentAsync();
        var result = await node.CtlAsync("op", "crashed-1", "-o", "json");

        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(expectedState, json.RootElement.GetProperty("state").GetString());
        Assert.Equal(endsNew ? newBytes : oldBytes, File.ReadAllBytes(node.KubeletBinary));
        Assert.False(File.Exists(node.KubeletBinary + ".nodeagent-new"));
        Assert.Equal(endsNew, File.Exists(node.MarkerPath));
        var status = await ApplyTests.HealthyStatusAsync(node, "kubelet");
        Assert.Equal(endsNew ? "v1.17.0" : "v1.10.11", status.Version);
        Assert.Empty((await node.Client.ListOperationsAsync(new ListOperationsRequest { UnfinishedOnly = true })).Operations);
    }

    [Fact]
    public async Task Start_GarbledJournal_SetAsideReportedAndAgentServes()
    {
        await using var node = TestNode.Create();
        var journal = Path.Combine(node.StateDir, "journal");
        Directory.CreateDirectory(journal);
        File.WriteAllText(Path.Combine(journal, "torn-1.json"), "{\"id\": \"torn-1\", \"component\": \"kubelet\", \"state\": \"Runn");

        await node.StartAgentAsync();
        var status = await node.CtlAsync("status");

        Assert.Equal(0, status.ExitCode);
        Assert.Contains("WARNING: journal file torn-1.json could not be read", status.Out, StringComparison.Ordinal);
        Assert.Contains("NEEDS ATTENTION", status.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(journal, "quarantine", "torn-1.json")));
    }

    /// <summary>Writes the journal record and arranges the files exactly as the transaction leaves them after <paramref name="step"/>.</summary>
    private static void ArrangeNodeAt(TestNode node, OpStep step, byte[] oldBytes, byte[] newBytes)
    {
        var oldDigest = TestNode.Digest(node.KubeletBinary);
        var newDigest = TestNode.Digest(node.Artifact("kubelet-v1.17.0"));
        var blobs = Path.Combine(node.StateDir, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        File.WriteAllBytes(Path.Combine(blobs, newDigest), newBytes);
        if (step >= OpStep.BackedUp)
        {
            File.WriteAllBytes(Path.Combine(blobs, oldDigest), oldBytes);
        }

        var staging = node.KubeletBinary + ".nodeagent-new";
        if (step is >= OpStep.Written and < OpStep.Swapping)
        {
            File.WriteAllBytes(staging, newBytes);
            File.SetUnixFileMode(staging, File.GetUnixFileMode(node.KubeletBinary));
        }

        if (step >= OpStep.MarkerWritten)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(node.MarkerPath)!);
            File.WriteAllText(node.MarkerPath, $"{{\"oldVersion\":\"v1.10.11\",\"upgradeStartedAt\":\"2026-01-01T00:00:00Z\",\"targetVersion\":\"v1.17.0\",\"operationId\":\"crashed-1\"}}");
        }

        if (step >= OpStep.Swapped && step != OpStep.RollingBack)
        {
            File.WriteAllBytes(node.KubeletBinary, newBytes);
        }

        var record = new OperationRecord
        {
            Id = "crashed-1",
            Kind = OpKind.Apply,
            Component = "kubelet",
            Fingerprint = "test",
            State = OpState.Running,
            Step = step,
            ToVersion = "v1.17.0",
            FromVersion = step >= OpStep.Prepared ? "v1.10.11" : null,
            HealthTimeoutSeconds = 15,
            HealthDeadline = step >= OpStep.Restarting ? TimeProvider.System.GetUtcNow().AddSeconds(15) : null,
            ServiceTouched = step >= OpStep.Restarting,
            Changed = step >= OpStep.Prepared,
            Marker = new MarkerRecord { Write = true, OldVersion = "v1.10.11", PreviouslyPresent = false },
            CreatedAt = TimeProvider.System.GetUtcNow(),
            Files =
            [
                new FileRecord
                {
                    Role = "binary",
                    Path = node.KubeletBinary,
                    OldDigest = step >= OpStep.Prepared ? oldDigest : null,
                    NewDigest = newDigest,
                    Mode = Convert.ToInt32("755", 8),
                },
            ],
        };
        var journal = Path.Combine(node.StateDir, "journal");
        Directory.CreateDirectory(journal);
        File.WriteAllBytes(Path.Combine(journal, "crashed-1.json"), JsonSerializer.SerializeToUtf8Bytes(record, AgentJsonContext.Default.OperationRecord));
    }
}
