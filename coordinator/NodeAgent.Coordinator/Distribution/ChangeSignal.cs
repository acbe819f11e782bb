namespace NodeAgent.Coordinator.Distribution;

/// <summary>Wakes every waiter when something changed (a holder appeared, a slot freed).</summary>
internal sealed class ChangeSignal
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The task of the next change; take it before checking the state, then await it.</summary>
    public Task Next()
    {
        lock (_lock)
        {
            return _next.Task;
        }
    }

    public void Notify()
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            done = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.TrySetResult();
    }
}
