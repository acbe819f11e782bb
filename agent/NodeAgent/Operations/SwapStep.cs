using NodeAgent.Configuration;

namespace NodeAgent.Operations;

/// <summary>
/// One row of the swap's transition table: the handler that moves an operation on from <see cref="Step"/> (it returns
/// the journaled snapshot at the next step, or a terminal one) and the latest moment it may still be running.
/// </summary>
internal sealed record SwapStep(
    OpStep Step,
    Func<SwapTransaction, OperationRecord, CatalogComponent, CancellationToken, Task<OperationRecord>> Handler,
    Func<OperationRecord, DateTimeOffset, DateTimeOffset> Deadline);
