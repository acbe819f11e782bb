using System.Text.Json;
using NodeAgent.Configuration;
using NodeAgent.Contracts.V1;
using NodeAgent.Operations;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Operations;

/// <summary>
/// An apply's journal left at each step, with the node's files exactly as the transaction leaves them there (the
/// worst case of each step: marker written but not journaled, one of two renames done, the health deadline long
/// past), before the agent starts: recovery must finish or undo it before the agent answers.
/// </summary>
[Trait("Category", "AgentCore")]
[Trait("Category", "CrashConsistency")]
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
        { nameof(OpStep.Healthy), "OPERATION_STATE_SUCCEEDED", true },
        { nameof(OpStep.Stable), "OPERATION_STATE_SUCCEEDED", true },
        { nameof(OpStep.RollingBack), "OPERATION_STATE_ROLLED_BACK", false },
        { nameof(OpStep.Restored), "OPERATION_STATE_ROLLED_BACK", false },
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task Start_JournalLeftAtStep_FinishedOrUndoneBeforeReady(string step, string expectedState, bool endsNew)
    {
        await using var node = TestNode.Create();
        var old = Snapshot(node.KubeletBinary, node.KubeletConfig);
        var wanted = Snapshot(node.Artifact("kubelet-v1.17.0"), node.Artifact("kubelet-config-v1.17.json"));
        ArrangeNodeAt(node, Enum.Parse<OpStep>(step));

        await node.StartAgentAsync();
        var result = await node.CtlAsync("op", "crashed-1", "-o", "json");

        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(expectedState, json.RootElement.GetProperty("state").GetString());
        Assert.Equal(endsNew ? wanted : old, Snapshot(node.KubeletBinary, node.KubeletConfig));
        Assert.False(File.Exists(node.KubeletBinary + ".nodeagent-new"));
        Assert.False(File.Exists(node.KubeletConfig + ".nodeagent-new"));
        Assert.Equal(endsNew, File.Exists(node.MarkerPath));
        var status = await ApplyTests.HealthyStatusAsync(node, "kubelet");
        Assert.Equal(endsNew ? "v1.17.0" : "v1.10.11", status.Version);
        Assert.Empty((await node.Client.ListOperationsAsync(new ListOperationsRequest { UnfinishedOnly = true })).Operations);
    }

    [Fact]
    public async Task Start_GarbledJournal_SetAsideReportedIdReservedAndAgentServes()
    {
        await using var node = TestNode.Create();
        var journal = Path.Combine(node.StateDir, "journal");
        Directory.CreateDirectory(journal);
        File.WriteAllText(Path.Combine(journal, "torn-1.json"), "{\"id\": \"torn-1\", \"component\": \"kubelet\", \"state\": \"Runn");

        await node.StartAgentAsync();
        var status = await node.CtlAsync("status");
        var reuse = await node.CtlAsync("restart", "kubelet", "--id", "torn-1");

        Assert.Equal(0, status.ExitCode);
        Assert.Contains("WARNING: journal file torn-1.json could not be read", status.Out, StringComparison.Ordinal);
        Assert.Contains("NEEDS ATTENTION", status.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(journal, "quarantine", "torn-1.json")));
        Assert.Equal(4, reuse.ExitCode);
        Assert.Contains("could not be read", reuse.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SecondAgentOnTheSameStateDir_Refused()
    {
        await using var node = await TestNode.StartAsync();

        var error = Assert.Throws<AgentConfigException>(() => AgentApp.Create(AgentConfigLoader.Load(node.ConfigPath), []));

        Assert.Contains("another nodeagent is running", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await node.CtlAsync("status")).ExitCode);
    }

    private static (string, string) Snapshot(string binary, string config) =>
        (TestNode.Digest(binary), TestNode.Digest(config));

    /// <summary>Writes the journal and arranges the files as the transaction leaves them after <paramref name="step"/>.</summary>
    private static void ArrangeNodeAt(TestNode node, OpStep step)
    {
        var pairs = new[]
        {
            (Path: node.KubeletBinary, Artifact: node.Artifact("kubelet-v1.17.0"), Role: "binary", Mode: "755"),
            (Path: node.KubeletConfig, Artifact: node.Artifact("kubelet-config-v1.17.json"), Role: "config", Mode: "644"),
        };
        var blobs = Path.Combine(node.StateDir, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var files = new List<FileRecord>();
        foreach (var (pair, index) in pairs.Select((p, i) => (p, i)))
        {
            var oldDigest = TestNode.Digest(pair.Path);
            var newDigest = TestNode.Digest(pair.Artifact);
            File.Copy(pair.Artifact, Path.Combine(blobs, newDigest), overwrite: true);
            if (step >= OpStep.BackedUp)
            {
                File.Copy(pair.Path, Path.Combine(blobs, oldDigest), overwrite: true);
            }

            var staging = pair.Path + ".nodeagent-new";
            var renamed = step > OpStep.Swapping && step < OpStep.RollingBack || step == OpStep.Swapping && index == 0 || step == OpStep.RollingBack && index == 1;
            if (step >= OpStep.Written && step <= OpStep.Swapping && !renamed)
            {
                File.Copy(pair.Artifact, staging, overwrite: true);
            }

            if (renamed)
            {
                File.Copy(pair.Artifact, pair.Path, overwrite: true);
            }

            files.Add(new FileRecord
            {
                Role = pair.Role,
                Path = pair.Path,
                OldDigest = step >= OpStep.Prepared ? oldDigest : null,
                NewDigest = newDigest,
                Mode = Convert.ToInt32(pair.Mode, 8),
            });
        }

        // From Written on the marker may exist even though MarkerWritten was never journaled; until Restored it stays.
        if (step is >= OpStep.Written and < OpStep.Restored)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(node.MarkerPath)!);
            File.WriteAllText(node.MarkerPath, "{\"oldVersion\":\"v1.10.11\",\"upgradeStartedAt\":\"2026-01-01T00:00:00Z\",\"targetVersion\":\"v1.17.0\",\"operationId\":\"crashed-1\"}");
        }

        var longAgo = TimeProvider.System.GetUtcNow() - TimeSpan.FromHours(1);
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
            HealthDeadline = step >= OpStep.Restarting ? longAgo : null,
            ServiceTouched = step >= OpStep.Restarting,
            Changed = step >= OpStep.Prepared,
            Message = step >= OpStep.RollingBack ? "v1.17.0 did not become healthy" : "",
            Marker = new MarkerRecord { Write = true, OldVersion = "v1.10.11", PreviouslyPresent = false },
            CreatedAt = longAgo,
            Files = step >= OpStep.Prepared ? files : files.Select(f => f with { OldDigest = null }).ToList(),
        };
        WriteJournal(node, record);
    }

    /// <summary>Writes <paramref name="record"/> as this node's agent would: sealed with the state directory's journal key.</summary>
    internal static void WriteJournal(TestNode node, OperationRecord record)
    {
        var journal = Path.Combine(node.StateDir, "journal");
        Directory.CreateDirectory(journal);
        var sealedRecord = OperationJournal.Seal(record, new JournalSeal(Path.Combine(node.StateDir, "journal.key")));
        File.WriteAllBytes(Path.Combine(journal, record.Id + ".json"), JsonSerializer.SerializeToUtf8Bytes(sealedRecord, AgentJsonContext.Default.OperationRecord));
    }
}
