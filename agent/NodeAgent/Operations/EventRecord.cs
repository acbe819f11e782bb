namespace NodeAgent.Operations;

/// <summary>One journaled change of an operation, as watchers see it.</summary>
internal sealed record EventRecord
{
    public long Sequence { get; init; }

    public DateTimeOffset Time { get; init; }

    public OpState State { get; init; }

    public OpStep Step { get; init; }

    public string Message { get; init; } = "";
}
