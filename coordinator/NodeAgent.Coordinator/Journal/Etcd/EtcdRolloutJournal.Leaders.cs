using System.Text.Json;
using Etcdserverpb;

namespace NodeAgent.Coordinator.Journal.Etcd;

/// <summary>Who leads a rollout and who waits, as <c>status</c> shows it.</summary>
internal sealed record LeadershipView(LeaderValue? Leader, long Fencing, long LeaseSecondsLeft, IReadOnlyList<LeaderValue> Standbys)
{
    public IEnumerable<string> Lines()
    {
        yield return Leader is null
            ? "leader: none (no coordinator runs this rollout now)"
            : $"leader: {Leader.Holder} (fencing number {Fencing}, lease {Leader.Lease:x}, {LeaseSecondsLeft}s of {Leader.TtlSeconds}s left, since {Leader.Since:u})";
        foreach (var standby in Standbys)
        {
            yield return $"standby: {standby.Holder} (lease {standby.Lease:x}, waiting since {standby.Since:u})";
        }
    }
}

/// <summary>Reading the election keys of a rollout.</summary>
internal sealed partial class EtcdRolloutJournal
{
    public LeadershipView Leaders(string rollout)
    {
        var standbys = kv.Range(kv.Key("rollouts", rollout, "standby") + "/").Select(k => JsonSerializer.Deserialize(k.Value.Span, JournalJsonContext.Default.LeaderValue)!).ToList();
        if (kv.Get(kv.Key("rollouts", rollout, "leader")) is not { } key)
        {
            return new LeadershipView(null, 0, 0, standbys);
        }

        var leader = JsonSerializer.Deserialize(key.Value.Span, JournalJsonContext.Default.LeaderValue)!;
        var left = kv.Call(deadline => kv.Client.LeaseTimeToLive(new LeaseTimeToLiveRequest { ID = key.Lease }, deadline: deadline)).TTL;
        return new LeadershipView(leader, key.CreateRevision, Math.Max(left, 0), standbys);
    }
}
