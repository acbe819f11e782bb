using Grpc.Core;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Distribution;

/// <summary>
/// Distributes one artifact: every node that lacks it asks the scheduler for a source, calls its agent's
/// FetchArtifact with it, and on a failed or lying source reports it and asks again; the agent resumes from its
/// verified prefix, so a re-pick never starts over.
/// </summary>
internal sealed class ArtifactPull(PlanArtifact artifact, ChunkDigests chunks, IReadOnlyList<PlanNode> nodes, PullOptions options, Func<PlanNode, NodeDistributionService.NodeDistributionServiceClient> clients, TimeProvider time)
{
    private readonly ChangeSignal _changed = new();
    private readonly Dictionary<string, PlanNode> _byName = nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
    private long _originBytes;
    private long _peerBytes;
    private int _repicks;

    /// <summary>Fetches onto every node of the list not in <paramref name="holders"/> (which serve as complete sources).</summary>
    public async Task<(PullSummary Summary, IReadOnlyList<NodePull> Nodes)> RunAsync(IReadOnlySet<string> holders, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var scheduler = new DistributionScheduler(nodes.Select(n => (n.Name, n.Zone)), options.Limits);
        foreach (var holder in holders)
        {
            scheduler.Holds(holder);
        }

        var pulls = await Task.WhenAll(nodes.Where(n => !holders.Contains(n.Name)).Select(n => Task.Run(() => NodeAsync(n, scheduler, cancellationToken), cancellationToken)));
        var summary = new PullSummary(artifact.Name, artifact.Size, pulls.Length, _originBytes, _peerBytes, _repicks, scheduler.Liars, time.GetElapsedTime(started).TotalSeconds);
        return (summary, pulls);
    }

    private async Task<NodePull> NodeAsync(PlanNode node, DistributionScheduler scheduler, CancellationToken cancellationToken)
    {
        var tried = new List<string>();
        long bytes = 0;
        while (true)
        {
            var changed = _changed.Next();
            var pick = scheduler.Assign(node.Name);
            if (pick is null)
            {
                if (!scheduler.CanRetry(node.Name))
                {
                    return GiveUp(scheduler, node, bytes, $"no source left for {artifact.Name} after {string.Join(", ", tried)}");
                }

                await changed.WaitAsync(cancellationToken);
                continue;
            }

            _changed.Notify();
            FetchArtifactResponse response;
            try
            {
                response = await clients(node).FetchArtifactAsync(Request(pick), cancellationToken: cancellationToken);
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
            {
                return GiveUp(scheduler, node, bytes, $"{node.Name}: FetchArtifact of {artifact.Name} failed: {ex.StatusCode}: {ex.Status.Detail}");
            }

            bytes += response.BytesReceived;
            Interlocked.Add(ref pick.IsOrigin ? ref _originBytes : ref _peerBytes, response.BytesReceived);
            if (response.Complete)
            {
                scheduler.Succeeded(node.Name);
                _changed.Notify();
                tried.Add(response.AlreadyPresent ? "already present" : $"{pick} from {response.ResumedFrom}");
                return new NodePull(node.Name, true, bytes, $"{artifact.Name} from {string.Join(", then ", tried)}");
            }

            var source = response.Sources.FirstOrDefault();
            var lied = source?.Outcome == FetchSourceOutcome.Lied;
            tried.Add($"{pick} {(lied ? "LIED" : "failed")} at {response.Verified} ({source?.Message})");
            Interlocked.Increment(ref _repicks);
            scheduler.SourceFailed(node.Name, lied);
            _changed.Notify();
        }
    }

    private NodePull GiveUp(DistributionScheduler scheduler, PlanNode node, long bytes, string detail)
    {
        scheduler.GaveUp(node.Name);
        _changed.Notify();
        return new NodePull(node.Name, false, bytes, detail);
    }

    private FetchArtifactRequest Request(SourcePick pick)
    {
        var source = pick.Holder is { } holder
            ? new FetchSource { Peer = _byName[holder].Address, PeerName = holder }
            : new FetchSource { Url = options.UrlOf(artifact) };
        return RequestFor(artifact, chunks, source);
    }

    /// <summary>The FetchArtifact request of <paramref name="artifact"/> with its chunk list, from <paramref name="sources"/> in order.</summary>
    public static FetchArtifactRequest RequestFor(PlanArtifact artifact, ChunkDigests chunks, params FetchSource[] sources) => new()
    {
        Name = artifact.Name,
        Sha256 = artifact.Sha256,
        Size = artifact.Size,
        ChunkSize = chunks.ChunkSize,
        ChunkSha256 = chunks.Digests,
        Sources = { sources },
    };
}
