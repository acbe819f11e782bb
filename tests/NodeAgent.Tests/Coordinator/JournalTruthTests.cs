using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Coordinator;

/// <summary>What the journal hands the claims (fencing numbers), what status shows, and which operations a rerun follows.</summary>
[Trait("Category", "Coordinator")]
public sealed class JournalTruthTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void NextClaimOwner_EveryRun_FencingGrowsAndTheJournalIdStays()
    {
        var path = _dir.Combine("journal.db");
        using (var first = new RolloutJournal(path, TimeProvider.System))
        {
            var a = first.NextClaimOwner("r1", "holder");
            var b = first.NextClaimOwner("r2", "holder");
            Assert.True(b.Fencing > a.Fencing);
            Assert.Equal(a.JournalId, b.JournalId);
        }

        using var reopened = new RolloutJournal(path, TimeProvider.System);
        using var other = new RolloutJournal(_dir.Combine("other.db"), TimeProvider.System);

        var c = reopened.NextClaimOwner("r1", "holder");

        Assert.Equal(3L, c.Fencing);
        Assert.StartsWith("sqlite:", c.JournalId, StringComparison.Ordinal);
        Assert.NotEqual(c.JournalId, other.NextClaimOwner("r1", "holder").JournalId);
    }

    [Fact]
    public void AsSeen_RunningWithoutACoordinator_InterruptedWithHowToResumeOrAbort()
    {
        var path = _dir.Combine("journal.db");
        using var journal = new RolloutJournal(path, TimeProvider.System);
        journal.CreateRollout("r1", "digest", "/plans/r1.yaml", "v1.17.0", [("n1", "worker")]);
        journal.SetPhase("r1", "workers");

        var unlocked = journal.Find("r1")!.AsSeen(RolloutJournal.IsLocked(path));
        bool lockedNow;
        using (RolloutJournal.LockForRollout(path))
        {
            lockedNow = RolloutJournal.IsLocked(path);
        }

        Assert.Equal(RolloutStates.Interrupted, unlocked.State);
        Assert.Contains("run rollout /plans/r1.yaml again to resume, or abort r1", unlocked.Message, StringComparison.Ordinal);
        Assert.True(lockedNow);
        Assert.Equal(RolloutStates.Running, journal.Find("r1")!.AsSeen(locked: true).State);
        Assert.False(RolloutJournal.IsLocked(path));
    }

    [Fact]
    public void AsSeen_FinishedRollout_KeepsItsState()
    {
        using var journal = new RolloutJournal(_dir.Combine("journal.db"), TimeProvider.System);
        journal.CreateRollout("r1", "digest", "/plans/r1.yaml", "v1.17.0", [("n1", "worker")]);
        journal.SetState("r1", RolloutStates.Failed, "canary gate failed");

        var seen = journal.Find("r1")!.AsSeen(locked: false);

        Assert.Equal((RolloutStates.Failed, "canary gate failed"), (seen.State, seen.Message));
    }

    [Fact]
    public void BelongsTo_OwnIdsIncludingShortenedOnes_NotAnotherRollouts()
    {
        var longNode = new string('n', 120);

        Assert.True(OperationIds.BelongsTo("r1", OperationIds.For("r1", "node-1", "kubelet", "apply", 1)));
        Assert.True(OperationIds.BelongsTo("r1", OperationIds.For("r1", longNode, "kubelet", "apply", 1)));
        Assert.False(OperationIds.BelongsTo("r1", OperationIds.For("r10", "node-1", "kubelet", "apply", 1)));
        Assert.False(OperationIds.BelongsTo("r1", "agentctl-apply-kubelet-20261202T100000-abcdef"));
    }
}
