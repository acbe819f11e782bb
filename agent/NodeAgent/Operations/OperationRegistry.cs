using System.Collections.Concurrent;

namespace NodeAgent.Operations;

/// <summary>
/// The agent's operations in memory, backed by the journal: idempotency by id, one mutating operation per
/// component, every change journaled (fsync) before it is visible, and a signal per change for watchers.
/// Records are immutable snapshots. The registry lock only guards the dictionaries: a change is computed and
/// journaled under its own operation's write lock, outside the registry lock, so that readers never wait on
/// another operation's fsync; the new snapshot is published (and watchers woken) once it is on disk.
/// </summary>
internal sealed class OperationRegistry(OperationJournal journal, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, OperationRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OperationRecord> _beginning = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _busy = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lock> _writers = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = NewSignal();

    public void Load(IEnumerable<OperationRecord> records)
    {
        lock (_lock)
        {
            foreach (var record in records)
            {
                _records[record.Id] = record;
                if (!record.IsTerminal)
                {
                    _busy[record.Component] = record.Id;
                }
            }
        }
    }

    /// <summary>
    /// Registers a new operation, or returns the existing one for a repeated id with the same fingerprint.
    /// Throws ALREADY_EXISTS for a reused id with another request and ABORTED when the component is busy.
    /// </summary>
    public (OperationRecord Snapshot, bool Existing) Begin(OperationRecord candidate)
    {
        OperationRecord record;
        lock (_lock)
        {
            if ((_records.GetValueOrDefault(candidate.Id) ?? _beginning.GetValueOrDefault(candidate.Id)) is { } existing)
            {
                if (existing.Fingerprint != candidate.Fingerprint || existing.Kind != candidate.Kind)
                {
                    throw new AgentException(
                        AgentErrorKind.AlreadyExists,
                        $"operation id {candidate.Id} was already used for a different request ({existing.Kind} on {existing.Component}); choose a new id");
                }

                return (existing, true);
            }

            if (_busy.TryGetValue(candidate.Component, out var holder))
            {
                throw new AgentException(AgentErrorKind.Aborted, $"{candidate.Component} is busy with operation {holder}; wait for it to finish, then retry");
            }

            record = WithEvent(candidate with { CreatedAt = time.GetUtcNow(), State = OpState.Running, Step = OpStep.Accepted }, "accepted");
            _beginning[record.Id] = record;
            _busy[record.Component] = record.Id;
        }

        try
        {
            record = journal.Save(record);
        }
        catch
        {
            lock (_lock)
            {
                _beginning.Remove(record.Id);
                _busy.Remove(record.Component);
            }

            throw;
        }

        lock (_lock)
        {
            _beginning.Remove(record.Id);
            _records[record.Id] = record;
            Signal();
        }

        return (record, false);
    }

    /// <summary>
    /// The one way to change an operation: <paramref name="change"/> makes the next snapshot from the current one; it is
    /// journaled, then published. Changes to one operation are serialized; other operations and readers do not wait.
    /// </summary>
    public OperationRecord Update(string id, Func<OperationRecord, OperationRecord> change)
    {
        lock (_writers.GetOrAdd(id, _ => new Lock()))
        {
            var next = journal.Save(change(Get(id) ?? throw new InvalidOperationException($"operation {id} is not registered")));
            lock (_lock)
            {
                _records[id] = next;
                if (next.IsTerminal && _busy.TryGetValue(next.Component, out var holder) && holder == id)
                {
                    _busy.Remove(next.Component);
                }

                Signal();
            }

            return next;
        }
    }

    /// <summary>Moves a running operation to <paramref name="step"/> with one event.</summary>
    public OperationRecord Update(string id, OpStep step, string message, Func<OperationRecord, OperationRecord>? change = null) =>
        Update(id, r => WithEvent((change?.Invoke(r) ?? r) with { Step = step }, message));

    /// <summary>Moves an operation to a terminal state and frees its component.</summary>
    public OperationRecord Finish(string id, OpState state, string message, Func<OperationRecord, OperationRecord>? change = null) =>
        Update(id, r => WithEvent((change?.Invoke(r) ?? r) with { State = state, Step = OpStep.Done, Message = message, FinishedAt = time.GetUtcNow() }, message));

    /// <summary>The current snapshot of an operation, or null.</summary>
    public OperationRecord? Get(string id)
    {
        lock (_lock)
        {
            return _records.GetValueOrDefault(id);
        }
    }

    /// <summary>Snapshots matching <paramref name="filter"/>, newest first (filtered and sorted outside the lock).</summary>
    public IReadOnlyList<OperationRecord> Query(Func<OperationRecord, bool> filter)
    {
        OperationRecord[] all;
        lock (_lock)
        {
            all = [.. _records.Values];
        }

        return all.Where(filter).OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal).ToList();
    }

    public string? BusyWith(string component)
    {
        lock (_lock)
        {
            return _busy.GetValueOrDefault(component);
        }
    }

    /// <summary>A task that completes on the next change to any operation.</summary>
    public Task NextChange()
    {
        lock (_lock)
        {
            return _changed.Task;
        }
    }

    private OperationRecord WithEvent(OperationRecord record, string message) => record with
    {
        Events = [.. record.Events, new EventRecord { Sequence = record.Events.Count + 1, Time = time.GetUtcNow(), State = record.State, Step = record.Step, Message = message }],
    };

    private void Signal()
    {
        var previous = _changed;
        _changed = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
