namespace NodeAgent.Operations;

/// <summary>
/// The agent's operations in memory, backed by the journal: idempotency by id, one mutating operation per
/// component, every change journaled (fsync) before it is visible, and a signal per change for watchers.
/// </summary>
internal sealed class OperationRegistry(OperationJournal journal, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, OperationRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _busy = new(StringComparer.Ordinal);
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
    public (T Snapshot, bool Existing) Begin<T>(OperationRecord candidate, Func<OperationRecord, T> map)
    {
        lock (_lock)
        {
            if (_records.TryGetValue(candidate.Id, out var existing))
            {
                if (existing.Fingerprint != candidate.Fingerprint || existing.Kind != candidate.Kind)
                {
                    throw new AgentException(
                        AgentErrorKind.AlreadyExists,
                        $"operation id {candidate.Id} was already used for a different request ({existing.Kind} on {existing.Component}); choose a new id");
                }

                return (map(existing), true);
            }

            if (_busy.TryGetValue(candidate.Component, out var holder))
            {
                throw new AgentException(AgentErrorKind.Aborted, $"{candidate.Component} is busy with operation {holder}; wait for it to finish, then retry");
            }

            candidate.CreatedAt = time.GetUtcNow();
            candidate.State = OpState.Running;
            candidate.Step = OpStep.Accepted;
            AppendEvent(candidate, "accepted");
            journal.Save(candidate);
            _records[candidate.Id] = candidate;
            _busy[candidate.Component] = candidate.Id;
            Signal();
            return (map(candidate), false);
        }
    }

    /// <summary>Applies a change to a running operation, journals it, and wakes watchers.</summary>
    public void Update(string id, OpStep step, string message, Action<OperationRecord>? change = null)
    {
        lock (_lock)
        {
            var record = _records[id];
            change?.Invoke(record);
            record.Step = step;
            AppendEvent(record, message);
            journal.Save(record);
            Signal();
        }
    }

    /// <summary>Moves an operation to a terminal state and frees its component.</summary>
    public void Finish(string id, OpState state, string message, Action<OperationRecord>? change = null)
    {
        lock (_lock)
        {
            var record = _records[id];
            change?.Invoke(record);
            record.State = state;
            record.Step = OpStep.Done;
            record.Message = message;
            record.FinishedAt = time.GetUtcNow();
            AppendEvent(record, message);
            journal.Save(record);
            if (_busy.TryGetValue(record.Component, out var holder) && holder == id)
            {
                _busy.Remove(record.Component);
            }

            Signal();
        }
    }

    /// <summary>Reads an operation under the lock (records are mutable; map them to a snapshot here).</summary>
    public T? Read<T>(string id, Func<OperationRecord, T> map)
        where T : class
    {
        lock (_lock)
        {
            return _records.TryGetValue(id, out var record) ? map(record) : null;
        }
    }

    public IReadOnlyList<T> Query<T>(Func<OperationRecord, bool> filter, Func<OperationRecord, T> map)
    {
        lock (_lock)
        {
            return _records.Values.Where(filter).OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal).Select(map).ToList();
        }
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

    private void AppendEvent(OperationRecord record, string message) =>
        record.Events.Add(new EventRecord
        {
            Sequence = record.Events.Count + 1,
            Time = time.GetUtcNow(),
            State = record.State,
            Step = record.Step,
            Message = message,
        });

    private void Signal()
    {
        var previous = _changed;
        _changed = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
