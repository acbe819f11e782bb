using NodeAgent.Coordinator.Claims;

namespace NodeAgent.Coordinator.Journal;

/// <summary>
/// Where the rollouts' state lives: a SQLite file on the coordinator's machine (<see cref="RolloutJournal"/>), or etcd,
/// shared by a leader and its standbys (<see cref="Etcd.EtcdRolloutJournal"/>). Every write is durable when the call
/// returns, so the engine journals each step before it acts.
/// </summary>
internal interface IRolloutJournal : IDisposable
{
    /// <summary>Names the journal in messages: the file's path, or the etcd endpoints and prefix.</summary>
    string Location { get; }

    RolloutRecord? Find(string id);

    IReadOnlyList<RolloutRecord> All();

    IReadOnlyList<NodeRecord> Nodes(string rollout);

    /// <summary>The rollout's events, oldest first, each "TIME MESSAGE".</summary>
    IReadOnlyList<string> Events(string rollout);

    void CreateRollout(string id, string digest, string planPath, string target, IEnumerable<(string Node, string Role)> nodes);

    void SetState(string id, string state, string message);

    void SetPhase(string id, string phase);

    /// <summary>Asks a running rollout to pause, resume or abort (read by the engine between nodes and batches).</summary>
    bool RequestControl(string id, string control);

    string Control(string id);

    /// <summary>A node is about to be touched: record it first, with the attempt whose operation ids it will use.</summary>
    int StartNode(string rollout, string node);

    void FinishNode(string rollout, string node, string state, string fromVersion, string toVersion, string reason, int restarts);

    /// <summary>A node found bad after it was counted as done: failed, or rolled back to the version it came from.</summary>
    void MarkNode(string rollout, string node, string state, string reason);

    /// <summary>Keeps a node in flight with a note (its outcome is not known yet).</summary>
    void NoteNode(string rollout, string node, string reason);

    /// <summary>How many times <c>rollout</c> has run for this rollout (1 the first time); part of operation ids.</summary>
    int Runs(string rollout);

    /// <summary>A stopped rollout runs again: its run number moves on by one.</summary>
    void StartRun(string rollout);

    /// <summary>The canary gate passed: a resumed rollout does not soak the canary again.</summary>
    void PassCanaryGate(string rollout);

    bool CanaryGatePassed(string rollout);

    void AddEvent(string rollout, string message);

    /// <summary>Records what a cluster step found or did; <paramref name="scope"/> is a node name, or "" for the rollout.</summary>
    void SetFact(string rollout, string scope, string key, string value);

    string? Fact(string rollout, string scope, string key);

    IReadOnlyList<JournalFact> Facts(string rollout);

    /// <summary>The claim owner for one run of <paramref name="rollout"/>, with a fencing number above every earlier run's.</summary>
    ClaimOwner NextClaimOwner(string rollout, string holder);

    /// <summary>Writes a rollout copied from another journal (<c>journal import</c>); refused when the id exists here.</summary>
    void Import(RolloutDump dump);
}
