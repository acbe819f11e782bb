using NodeAgent.Client.Concurrency;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Engine;

/// <summary>What staging did on one node.</summary>
/// <summary>One node's staging; a failure's <see cref="Detail"/> names the node itself, as every agent call's error does.</summary>
internal sealed record StagingOutcome(string Node, bool Ok, long BytesSent, string Detail);

/// <summary>
/// Pre-distributes a plan's artifacts before the window: each node gets the blobs its role needs, bounded
/// concurrency, and a node that already has a blob is sent nothing for it, so running it again resumes.
/// </summary>
internal sealed class ArtifactDistributor(Plan plan, IAgentClient calls)
{
    public IReadOnlyList<PlanArtifact> MissingSources() => plan.Artifacts.Where(a => !a.FromUrl && !File.Exists(a.Source)).ToList();

    public async Task<IReadOnlyList<StagingOutcome>> StageAllAsync(Action<StagingOutcome> report, CancellationToken cancellationToken)
    {
        var reporting = new Lock();
        return await FanOut.RunAsync(plan.Inventory, plan.Policy.MaxConcurrency, async (node, ct) =>
        {
            var outcome = await StageNodeAsync(node, ct);
            lock (reporting)
            {
                report(outcome);
            }

            return outcome;
        }, cancellationToken);
    }

    private async Task<StagingOutcome> StageNodeAsync(PlanNode node, CancellationToken cancellationToken)
    {
        var needed = plan.ComponentsOf(node).SelectMany(c => c.Files.Values).Distinct().Select(plan.Artifact).ToList();
        var present = await calls.StagedAsync(node, needed.Select(a => a.Sha256), cancellationToken);
        if (!present.Ok)
        {
            return new StagingOutcome(node.Name, false, 0, present.Error!);
        }

        var missing = needed.Where(a => present.Value!.Artifacts.All(p => p.Sha256 != a.Sha256)).ToList();
        long bytes = 0;
        foreach (var artifact in missing)
        {
            var staged = await calls.StageAsync(node, artifact, cancellationToken);
            if (!staged.Ok)
            {
                return new StagingOutcome(node.Name, false, bytes, $"{staged.Error} (while staging {artifact.Name})");
            }

            bytes += staged.Value!.BytesWritten;
        }

        return new StagingOutcome(node.Name, true, bytes, missing.Count == 0
            ? $"all {needed.Count} artifact(s) already staged; nothing sent"
            : $"staged {missing.Count} artifact(s), {bytes} bytes");
    }
}
