namespace NodeAgent.Coordinator.Journal;

/// <summary>
/// Group commit: writes that arrive while a commit is running wait for the next one, which commits them all in one
/// transaction (one fsync). Each caller still returns only once its own write is durable, so "journaled before it
/// acts" holds; at 5,000 nodes the nodes of a batch finishing together cost a few fsyncs instead of one each.
/// </summary>
internal sealed partial class RolloutJournal
{
    private readonly Lock _queueLock = new();
    private List<PendingWrite>? _queue;
    private bool _committing;

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        var write = new PendingWrite(sql, parameters);
        bool leader;
        lock (_queueLock)
        {
            (_queue ??= []).Add(write);
            leader = !_committing;
            _committing = true;
        }

        if (leader)
        {
            CommitQueued();
        }

        return write.Done.Task.GetAwaiter().GetResult();
    }

    /// <summary>Commits what is queued, then what queued meanwhile, until nothing is left.</summary>
    private void CommitQueued()
    {
        while (true)
        {
            List<PendingWrite> batch;
            lock (_queueLock)
            {
                if (_queue is null)
                {
                    _committing = false;
                    return;
                }

                batch = _queue;
                _queue = null;
            }

            try
            {
                lock (_lock)
                {
                    using var transaction = _connection.BeginTransaction();
                    var rows = batch.Select(write => Run(write.Sql, write.Parameters)).ToList();
                    transaction.Commit();
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Done.SetResult(rows[i]);
                    }
                }
            }
            catch (Exception ex)
            {
                // Nothing of this batch was committed, so every writer in it gets the error. The statements are plain
                // updates and inserts that cannot conflict, so in practice only a full or failing disk gets here.
                batch.ForEach(w => w.Done.TrySetException(ex));
            }
        }
    }

    /// <summary>A write waiting for its commit; completes with the rows it changed.</summary>
    private sealed class PendingWrite(string sql, (string Name, object? Value)[] parameters)
    {
        public string Sql => sql;

        public (string Name, object? Value)[] Parameters => parameters;

        public TaskCompletionSource<int> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
