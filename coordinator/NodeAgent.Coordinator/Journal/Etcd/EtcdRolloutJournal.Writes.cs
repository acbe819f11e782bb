using Etcdserverpb;

namespace NodeAgent.Coordinator.Journal.Etcd;

/// <summary>Every write: one transaction, fenced by the leader key when a leader writes, checked for what refused it.</summary>
internal sealed partial class EtcdRolloutJournal
{
    private void Write(IEnumerable<RequestOp> ops, IEnumerable<Compare>? compares = null, string? conflict = null, bool guarded = true)
    {
        var request = new TxnRequest { Success = { ops } };
        request.Compare.AddRange(compares ?? []);
        if (!Commit(request, guarded))
        {
            throw new CoordinatorException(conflict ?? $"a write to {Location} was refused by a concurrent change");
        }
    }

    /// <summary>Read, change, write back unless someone wrote in between (then again); false when there is no such rollout.</summary>
    private bool UpdateRollout(string id, Func<EtcdRolloutValue, EtcdRolloutValue> change, bool guarded = true)
    {
        var key = RolloutKey(id);
        while (true)
        {
            if (kv.Get(key) is not { } current)
            {
                return false;
            }

            var next = change(Read(current.Value.Span, JournalJsonContext.Default.EtcdRolloutValue));
            var request = new TxnRequest
            {
                Compare = { EtcdKv.ModifiedAt(key, current.ModRevision) },
                Success = { EtcdKv.Put(key, Bytes(next, JournalJsonContext.Default.EtcdRolloutValue)) },
            };
            if (Commit(request, guarded))
            {
                return true;
            }
        }
    }

    /// <summary>Commits; false when only the caller's own comparisons failed. A leader that was replaced gets <see cref="LeadershipLostException"/>.</summary>
    private bool Commit(TxnRequest request, bool guarded)
    {
        var fenced = guarded ? leadership : null;
        if (fenced is not null)
        {
            fenced.ThrowIfLost();
            request.Compare.Add(EtcdKv.CreatedAt(fenced.Key, fenced.Revision));
            request.Failure.Add(EtcdKv.Read(fenced.Key));
        }

        var response = kv.Txn(request);
        if (response.Succeeded)
        {
            return true;
        }

        if (fenced is not null)
        {
            var leader = response.Responses[^1].ResponseRange.Kvs;
            if (leader.Count == 0 || leader[0].CreateRevision != fenced.Revision)
            {
                throw fenced.Lose("its leader key is gone or belongs to another coordinator now");
            }
        }

        return false;
    }
}
