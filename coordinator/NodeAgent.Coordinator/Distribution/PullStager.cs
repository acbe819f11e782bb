using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Distribution;

/// <summary>
/// <c>stage --distribute</c>: instead of streaming every blob to every node, the coordinator hands each node a
/// source (the origin or a peer, see <see cref="DistributionScheduler"/>) and the agents pull. Nodes that already
/// hold a blob are sources from the start, so running it again resumes.
/// </summary>
internal sealed class PullStager(Plan plan, AgentClientPool pool, IAgentClient calls, PullOptions options, TimeProvider time)
{
    public async Task<(IReadOnlyList<StagingOutcome> Outcomes, IReadOnlyList<PullSummary> Summaries)> StageAllAsync(CancellationToken cancellationToken)
    {
        var needs = plan.Inventory.ToDictionary(n => n.Name, n => plan.ComponentsOf(n).SelectMany(c => c.Files.Values).Distinct().Select(plan.Artifact).ToList(), StringComparer.Ordinal);
        var held = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var results = plan.Inventory.ToDictionary(n => n.Name, n => new List<NodePull>(), StringComparer.Ordinal);
        await Parallel.ForEachAsync(plan.Inventory, new ParallelOptions { MaxDegreeOfParallelism = plan.Policy.MaxConcurrency, CancellationToken = cancellationToken }, async (node, ct) =>
        {
            var listed = await calls.StagedAsync(node, needs[node.Name].Select(a => a.Sha256), ct);
            lock (held)
            {
                if (listed.Ok)
                {
                    held[node.Name] = listed.Value!.Artifacts.Select(a => a.Sha256).ToHashSet(StringComparer.Ordinal);
                }
                else
                {
                    results[node.Name].Add(new NodePull(node.Name, false, 0, listed.Error!));
                }
            }
        });

        var summaries = new List<PullSummary>();
        foreach (var artifact in needs.Values.SelectMany(a => a).DistinctBy(a => a.Sha256).ToList())
        {
            var nodes = plan.Inventory.Where(n => held.ContainsKey(n.Name) && needs[n.Name].Contains(artifact)).ToList();
            var holders = nodes.Where(n => held[n.Name].Contains(artifact.Sha256)).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
            ChunkDigests chunks;
            await using (var content = await ArtifactSource.OpenAsync(artifact, cancellationToken))
            {
                chunks = await ChunkDigests.ComputeAsync(content, artifact.Size, artifact.Sha256, cancellationToken);
            }

            var (summary, pulls) = await new ArtifactPull(artifact, chunks, nodes, options, pool.DistributionFor, time).RunAsync(holders, cancellationToken);
            summaries.Add(summary);
            foreach (var pull in pulls)
            {
                results[pull.Node].Add(pull);
            }
        }

        var outcomes = plan.Inventory.Select(n => Outcome(n.Name, results[n.Name])).ToList();
        return (outcomes, summaries);
    }

    private static StagingOutcome Outcome(string node, List<NodePull> pulls) =>
        pulls.Count == 0 ? new StagingOutcome(node, true, 0, "every artifact already staged; nothing fetched")
        : new StagingOutcome(node, pulls.All(p => p.Ok), pulls.Sum(p => p.Bytes), string.Join("; ", pulls.Select(p => p.Detail)));
}
