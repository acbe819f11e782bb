namespace NodeAgent.Health;

/// <summary>Set once crash recovery has finished; until then the API answers UNAVAILABLE.</summary>
internal sealed class AgentReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompleted;

    public void MarkReady() => _ready.TrySetResult();

    public Task WaitAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);
}
