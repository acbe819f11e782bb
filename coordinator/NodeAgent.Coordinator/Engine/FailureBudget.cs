using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// The failure thresholds: how many nodes may fail in one batch and in the whole rollout (a count, or a
/// percentage of the batch or of the inventory) before the rollout stops ahead of the next batch.
/// </summary>
internal sealed class FailureBudget(Amount perBatch, Amount total, int inventorySize)
{
    public int FailedSoFar { get; private set; }

    /// <summary>Counts a finished batch; returns why the rollout must stop, or null to go on.</summary>
    public string? AfterBatch(int batchSize, int batchFailures)
    {
        FailedSoFar += batchFailures;
        var allowedInBatch = perBatch.AtMost(batchSize);
        if (batchFailures > allowedInBatch)
        {
            return $"{batchFailures} of {batchSize} node(s) failed in this batch; policy.failureThreshold.perBatch allows {perBatch} ({allowedInBatch})";
        }

        var allowedTotal = total.AtMost(inventorySize);
        return FailedSoFar > allowedTotal
            ? $"{FailedSoFar} node(s) failed in this rollout; policy.failureThreshold.total allows {total} ({allowedTotal})"
            : null;
    }
}
