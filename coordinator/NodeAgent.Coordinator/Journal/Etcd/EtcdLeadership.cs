using System.Text.Json;
using Etcdserverpb;

namespace NodeAgent.Coordinator.Journal.Etcd;

/// <summary>
/// Leadership of one rollout: the key <c>rollouts/ID/leader</c>, created on this coordinator's lease only if absent.
/// Its create revision is the fencing number (a later leader's is always higher); the lease is kept alive every third
/// of its TTL, and when etcd says it expired the leadership is lost for good: <see cref="Lost"/> fires and every fenced
/// write throws. While etcd has no quorum the lease cannot expire (etcd extends leases when it elects a new raft
/// leader), so the leader waits rather than gives up; its writes wait too, so it does nothing meanwhile.
/// </summary>
internal sealed class EtcdLeadership : IAsyncDisposable
{
    private readonly EtcdKv _kv;
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly Action<string> _say;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _keeping = Task.CompletedTask;
    private string _why = "";

    private EtcdLeadership(EtcdKv kv, string key, long lease, TimeSpan ttl, TimeProvider time, Action<string> say)
    {
        _kv = kv;
        Key = key;
        Lease = lease;
        _ttl = ttl;
        _time = time;
        _say = say;
    }

    public string Key { get; }

    public long Lease { get; }

    /// <summary>The leader key's create revision: this leader's fencing number.</summary>
    public long Revision { get; private set; }

    /// <summary>Fires when etcd says the lease is gone or a write finds another leader's key.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>
    /// Becomes the rollout's leader, or (with <paramref name="wait"/>) registers as a standby and waits until the leader
    /// key is free, then takes it. Without <paramref name="wait"/> a rollout that has a leader is refused at once.
    /// </summary>
    public static async Task<EtcdLeadership> CampaignAsync(EtcdKv kv, string rollout, string holder, TimeSpan ttl, bool wait, TimeProvider time, Action<string> say, CancellationToken cancellationToken)
    {
        var seconds = (long)Math.Ceiling(ttl.TotalSeconds);
        var lease = kv.Call(deadline => kv.Client.LeaseGrant(new LeaseGrantRequest { TTL = seconds }, deadline: deadline)).ID;
        var key = kv.Key("rollouts", rollout, "leader");
        var standbyKey = kv.Key("rollouts", rollout, "standby", lease.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        var leadership = new EtcdLeadership(kv, key, lease, ttl, time, say);
        leadership._keeping = leadership.KeepAliveAsync(leadership._stop.Token);
        try
        {
            var value = JsonSerializer.SerializeToUtf8Bytes(new LeaderValue(holder, lease, (int)seconds, time.GetUtcNow()), JournalJsonContext.Default.LeaderValue);
            var announced = false;
            while (true)
            {
                leadership.ThrowIfLost();
                var won = kv.Txn(new TxnRequest
                {
                    Compare = { EtcdKv.CreatedAt(key, 0) },
                    Success = { EtcdKv.Put(key, value, lease), EtcdKv.Delete(standbyKey) },
                    Failure = { EtcdKv.Read(key) },
                });
                if (won.Succeeded)
                {
                    leadership.Revision = won.Header.Revision;
                    say($"leading rollout {rollout} (fencing number {leadership.Revision}, lease {lease:x}, TTL {seconds}s)");
                    return leadership;
                }

                var current = won.Responses[0].ResponseRange.Kvs;
                var leader = current.Count == 0 ? null : JsonSerializer.Deserialize(current[0].Value.Span, JournalJsonContext.Default.LeaderValue);
                if (!wait)
                {
                    throw new CoordinatorException($"rollout {rollout} is led by {leader?.Holder ?? "another coordinator"}; run rollout with --standby to take over when its lease ({leader?.TtlSeconds ?? seconds}s) lapses");
                }

                if (!announced)
                {
                    kv.Txn(new TxnRequest { Success = { EtcdKv.Put(standbyKey, JsonSerializer.SerializeToUtf8Bytes(new LeaderValue(holder, lease, (int)seconds, time.GetUtcNow()), JournalJsonContext.Default.LeaderValue), lease) } });
                    say($"standby for rollout {rollout}: led by {leader?.Holder ?? "another coordinator"}; taking over when its lease lapses");
                    announced = true;
                }

                await Task.Delay(PollInterval(ttl), time, cancellationToken);
            }
        }
        catch
        {
            await leadership.DisposeAsync();
            throw;
        }
    }

    /// <summary>Throws when leadership is known lost: a fenced write must not even be tried.</summary>
    public void ThrowIfLost()
    {
        if (_lost.IsCancellationRequested)
        {
            throw new LeadershipLostException(_why);
        }
    }

    /// <summary>Records that leadership is gone and why; the exception to throw.</summary>
    public LeadershipLostException Lose(string reason)
    {
        if (!_lost.IsCancellationRequested)
        {
            _why = $"this coordinator is no longer the leader ({reason}); a standby carries the rollout on, and this one stops without undoing anything";
            _say(_why);
            _lost.Cancel();
        }

        return new LeadershipLostException(_why);
    }

    /// <summary>Resigns: the lease is revoked, so the leader key goes at once and a standby takes over without waiting for the TTL.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _keeping;
        }
        catch (OperationCanceledException)
        {
            // The keep-alive loop ends by cancellation.
        }

        try
        {
            _kv.Client.LeaseRevoke(new LeaseRevokeRequest { ID = Lease }, deadline: (_time.GetUtcNow() + TimeSpan.FromSeconds(5)).UtcDateTime);
        }
        catch (Grpc.Core.RpcException ex)
        {
            _say($"could not revoke lease {Lease:x} ({ex.StatusCode}); it lapses by itself within {_ttl.TotalSeconds:0}s");
        }

        _lost.Dispose();
        _stop.Dispose();
    }

    private static TimeSpan PollInterval(TimeSpan ttl) => TimeSpan.FromMilliseconds(Math.Clamp(ttl.TotalMilliseconds / 4, 100, 2000));

    private async Task KeepAliveAsync(CancellationToken stop)
    {
        var every = _ttl / 3;
        var confirmed = _time.GetUtcNow();
        var suspended = false;
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(every, _time, stop);
            using var call = CancellationTokenSource.CreateLinkedTokenSource(stop);
            call.CancelAfter(every);
            long remaining = -1;
            try
            {
                await _kv.Client.LeaseKeepAlive(new LeaseKeepAliveRequest { ID = Lease }, response => remaining = response.TTL, call.Token);
            }
            catch (Exception ex) when (ex is Grpc.Core.RpcException or OperationCanceledException && stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Grpc.Core.RpcException or OperationCanceledException)
            {
                if (!suspended && _time.GetUtcNow() - confirmed > _ttl)
                {
                    suspended = true;
                    _say($"lease {Lease:x} not confirmed for {_ttl.TotalSeconds:0}s (etcd unreachable or without quorum); nothing is done until it is");
                }

                continue;
            }

            if (remaining == 0)
            {
                Lose($"etcd says lease {Lease:x} expired");
                return;
            }

            if (remaining > 0)
            {
                confirmed = _time.GetUtcNow();
                if (suspended)
                {
                    suspended = false;
                    _say($"lease {Lease:x} confirmed again; going on");
                }
            }
        }
    }
}
