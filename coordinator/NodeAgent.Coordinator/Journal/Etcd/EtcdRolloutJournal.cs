using System.Globalization;
using System.Text.Json;
using Etcdserverpb;
using NodeAgent.Coordinator.Claims;

namespace NodeAgent.Coordinator.Journal.Etcd;

/// <summary>
/// The journal in etcd, for a rollout that must survive its coordinator's machine. Keys under PREFIX (values are small
/// JSON, each under 4 KiB):
/// <c>rollouts/ID</c> the rollout; <c>rollouts/ID/nodes/NODE</c> one per node; <c>rollouts/ID/events/TIME-N</c>;
/// <c>rollouts/ID/facts/SCOPE/KEY</c>; <c>rollouts/ID/leader</c> the elected leader (on its lease);
/// <c>rollouts/ID/standby/LEASE</c> one per waiting standby; <c>journal-id</c> names this journal in node claims.
/// Every write of a leader is one transaction that holds only while the leader key is still the one it created
/// (<see cref="EtcdLeadership.Revision"/>), so a replaced leader cannot write; the same number fences its agent calls.
/// </summary>
internal sealed partial class EtcdRolloutJournal(EtcdKv kv, TimeProvider time, EtcdLeadership? leadership = null) : IRolloutJournal
{
    private const int MaxText = 2048;
    private const int OpsPerTxn = 100;
    private long _eventSequence;

    public string Location => kv.Location.ToString();

    public EtcdLeadership? Leadership => leadership;

    public RolloutRecord? Find(string id) => Value(id)?.Rollout;

    public IReadOnlyList<RolloutRecord> All() =>
        [.. kv.Range(kv.Key("rollouts") + "/")
            .Where(k => k.Key.ToStringUtf8().Count(c => c == '/') == kv.Key("rollouts").Count(c => c == '/') + 1)
            .Select(k => Read(k.Value.Span, JournalJsonContext.Default.EtcdRolloutValue).Rollout)
            .OrderByDescending(r => r.StartedAt)];

    public IReadOnlyList<NodeRecord> Nodes(string rollout) =>
        [.. kv.Range(RolloutKey(rollout) + "/nodes/").Select(k => Read(k.Value.Span, JournalJsonContext.Default.EtcdNodeValue)).OrderBy(n => n.Order).Select(n => n.Node)];

    public IReadOnlyList<string> Events(string rollout) => [.. kv.Range(RolloutKey(rollout) + "/events/").Select(k => k.Value.ToStringUtf8())];

    public void CreateRollout(string id, string digest, string planPath, string target, IEnumerable<(string Node, string Role)> nodes)
    {
        // etcd takes at most 128 operations per transaction: the nodes go first in chunks, the rollout key last, so a
        // rollout that is found is whole (a crash in between leaves nodes that the next attempt overwrites).
        var now = time.GetUtcNow();
        var values = nodes.Select((n, i) => (n.Node, Value: new EtcdNodeValue(i, new NodeRecord(n.Node, n.Role, NodeStates.Pending, 0, "", "", null, null, "", 0)))).ToList();
        foreach (var chunk in values.Chunk(OpsPerTxn))
        {
            Write([.. chunk.Select(n => EtcdKv.Put(NodeKey(id, n.Node), Bytes(n.Value, JournalJsonContext.Default.EtcdNodeValue)))]);
        }

        var record = new EtcdRolloutValue(new RolloutRecord(id, digest, planPath, target, RolloutStates.Running, "", "", now, now, null, ""), 1, null);
        Write([EtcdKv.Put(RolloutKey(id), Bytes(record, JournalJsonContext.Default.EtcdRolloutValue))], [EtcdKv.CreatedAt(RolloutKey(id), 0)], $"rollout {id} exists already in {Location}");
    }

    public void SetState(string id, string state, string message) => UpdateRollout(id, v => v with
    {
        Rollout = v.Rollout with
        {
            State = state,
            Message = Bound(message),
            UpdatedAt = time.GetUtcNow(),
            FinishedAt = RolloutStates.IsFinished(state) ? time.GetUtcNow() : null,
        },
    });

    public void SetPhase(string id, string phase) => UpdateRollout(id, v => v with { Rollout = v.Rollout with { Phase = phase, UpdatedAt = time.GetUtcNow() } });

    public bool RequestControl(string id, string control) =>
        UpdateRollout(id, v => v with { Rollout = v.Rollout with { Control = control, UpdatedAt = time.GetUtcNow() } }, guarded: false);

    public int Runs(string rollout) => Value(rollout)?.Runs ?? 0;

    public void StartRun(string rollout) => UpdateRollout(rollout, v => v with { Runs = v.Runs + 1, Rollout = v.Rollout with { UpdatedAt = time.GetUtcNow() } });

    public void PassCanaryGate(string rollout) => UpdateRollout(rollout, v => v with { CanaryPassedAt = time.GetUtcNow() });

    public bool CanaryGatePassed(string rollout) => Value(rollout)?.CanaryPassedAt is not null;

    public string Control(string id) => Find(id)?.Control ?? "";

    public int StartNode(string rollout, string node)
    {
        var current = NodeValue(rollout, node);
        var attempt = current.Node.State == NodeStates.InFlight ? current.Node.Attempt : current.Node.Attempt + 1;
        PutNode(rollout, current with { Node = current.Node with { State = NodeStates.InFlight, Attempt = attempt, StartedAt = current.Node.StartedAt ?? time.GetUtcNow(), Reason = "" } });
        return attempt;
    }

    public void FinishNode(string rollout, string node, string state, string fromVersion, string toVersion, string reason, int restarts)
    {
        var current = NodeValue(rollout, node);
        PutNode(rollout, current with { Node = current.Node with { State = state, FromVersion = fromVersion, ToVersion = toVersion, FinishedAt = time.GetUtcNow(), Reason = Bound(reason), Restarts = restarts } });
    }

    public void MarkNode(string rollout, string node, string state, string reason)
    {
        var current = NodeValue(rollout, node);
        var n = current.Node;
        PutNode(rollout, current with { Node = n with { State = state, Reason = Bound(reason), FinishedAt = time.GetUtcNow(), ToVersion = state == NodeStates.RolledBack ? n.FromVersion : n.ToVersion } });
    }

    public void NoteNode(string rollout, string node, string reason)
    {
        var current = NodeValue(rollout, node);
        PutNode(rollout, current with { Node = current.Node with { Reason = Bound(reason) } });
    }

    public void AddEvent(string rollout, string message) => PutEvent(rollout, new DumpedEvent(time.GetUtcNow(), Bound(message)));

    public void SetFact(string rollout, string scope, string key, string value) =>
        Write([EtcdKv.Put(FactKey(rollout, scope, key), Bytes(new JournalFact(scope, key, Bound(value)), JournalJsonContext.Default.JournalFact))]);

    public string? Fact(string rollout, string scope, string key) =>
        kv.Get(FactKey(rollout, scope, key)) is { } kvp ? Read(kvp.Value.Span, JournalJsonContext.Default.JournalFact).Value : null;

    public IReadOnlyList<JournalFact> Facts(string rollout) =>
        [.. kv.Range(RolloutKey(rollout) + "/facts/").Select(k => Read(k.Value.Span, JournalJsonContext.Default.JournalFact)).OrderBy(f => f.Scope, StringComparer.Ordinal).ThenBy(f => f.Key, StringComparer.Ordinal)];

    /// <summary>The leader's election revision is the fencing number: it only grows, and a new leader's is higher.</summary>
    public ClaimOwner NextClaimOwner(string rollout, string holder)
    {
        var elected = leadership ?? throw new CoordinatorException($"only the elected leader of rollout {rollout} may claim its nodes (the journal {Location} was opened without leadership)");
        var idKey = kv.Key("journal-id");
        var fresh = $"etcd:{Guid.NewGuid():N}";
        var created = kv.Txn(new TxnRequest { Compare = { EtcdKv.CreatedAt(idKey, 0) }, Success = { EtcdKv.Put(idKey, System.Text.Encoding.UTF8.GetBytes(fresh)) }, Failure = { EtcdKv.Read(idKey) } });
        var id = created.Succeeded ? fresh : created.Responses[0].ResponseRange.Kvs[0].Value.ToStringUtf8();
        return new ClaimOwner(rollout, id, holder, elected.Revision);
    }

    public void Import(RolloutDump dump)
    {
        var id = dump.Rollout.Id;
        if (Find(id) is not null)
        {
            throw new CoordinatorException($"{Location} already holds a rollout {id}; import it under another prefix, or remove that one first");
        }

        var ops = dump.Nodes.Select((n, i) => EtcdKv.Put(NodeKey(id, n.Node), Bytes(new EtcdNodeValue(i, n), JournalJsonContext.Default.EtcdNodeValue)))
            .Concat(dump.Facts.Select(f => EtcdKv.Put(FactKey(id, f.Scope, f.Key), Bytes(f, JournalJsonContext.Default.JournalFact))))
            .Concat(dump.Events.Select(e => EtcdKv.Put(EventKey(id, e.Time), System.Text.Encoding.UTF8.GetBytes(e.Line))));
        foreach (var chunk in ops.Chunk(OpsPerTxn))
        {
            Write(chunk);
        }

        var value = new EtcdRolloutValue(dump.Rollout, dump.Runs, dump.CanaryGatePassed ? time.GetUtcNow() : null);
        Write([EtcdKv.Put(RolloutKey(id), Bytes(value, JournalJsonContext.Default.EtcdRolloutValue))], [EtcdKv.CreatedAt(RolloutKey(id), 0)], $"rollout {id} exists already in {Location}");
    }

    /// <summary>Closes the connection; a leadership on it must be disposed first (it revokes its lease over it).</summary>
    public void Dispose() => kv.Dispose();

    private string RolloutKey(string id) => kv.Key("rollouts", id);

    private EtcdRolloutValue? Value(string id) => kv.Get(RolloutKey(id)) is { } kvp ? Read(kvp.Value.Span, JournalJsonContext.Default.EtcdRolloutValue) : null;

    private string NodeKey(string rollout, string node) => $"{RolloutKey(rollout)}/nodes/{Uri.EscapeDataString(node)}";

    private string FactKey(string rollout, string scope, string key) => $"{RolloutKey(rollout)}/facts/{Uri.EscapeDataString(scope)}/{Uri.EscapeDataString(key)}";

    private string EventKey(string rollout, DateTimeOffset at) =>
        $"{RolloutKey(rollout)}/events/{at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}-{Environment.ProcessId:x}-{Interlocked.Increment(ref _eventSequence).ToString("D9", CultureInfo.InvariantCulture)}";

    private void PutEvent(string rollout, DumpedEvent e) => Write([EtcdKv.Put(EventKey(rollout, e.Time), System.Text.Encoding.UTF8.GetBytes(e.Line))]);

    private EtcdNodeValue NodeValue(string rollout, string node) =>
        kv.Get(NodeKey(rollout, node)) is { } kvp
            ? Read(kvp.Value.Span, JournalJsonContext.Default.EtcdNodeValue)
            : throw new CoordinatorException($"rollout {rollout} has no node {node} in {Location}");

    private void PutNode(string rollout, EtcdNodeValue value) => Write([EtcdKv.Put(NodeKey(rollout, value.Node.Node), Bytes(value, JournalJsonContext.Default.EtcdNodeValue))]);

    private static string Bound(string text) => text.Length <= MaxText ? text : text[..MaxText] + "…";

    private static T Read<T>(ReadOnlySpan<byte> bytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(bytes, type) ?? throw new InvalidDataException($"an empty {typeof(T).Name} in the etcd journal");

    private static byte[] Bytes<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(value, type);
}
