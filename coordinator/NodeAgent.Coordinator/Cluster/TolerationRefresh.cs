using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// The label-pods phase: after the kubelets are upgraded, every pod on an upgraded node that lacks the default
/// not-ready/unreachable NoExecute tolerations is touched with a label (an update), so that the API server's
/// DefaultTolerationSeconds admission plugin adds them, as the source account did. Reports how many were labeled
/// and how many now carry the tolerations. Labeling an already labeled pod again changes nothing.
/// </summary>
internal sealed class TolerationRefresh(Plan plan, KubeCluster kube, RolloutJournal journal, RolloutProgress progress)
{
    public const string FactLabeled = "pods-labeled";

    public async Task RunAsync(IReadOnlyList<string> upgradedNodes, CancellationToken cancellationToken)
    {
        var label = plan.Cluster.PodLabel;
        var labeled = new List<string>();
        var stillMissing = new List<string>();
        await Parallel.ForEachAsync(upgradedNodes, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (node, ct) =>
        {
            foreach (var pod in (await kube.PodsOnAsync(node, ct)).Where(p => PodPlacement.IsLive(p) && !PodPlacement.HasDefaultTolerations(p)))
            {
                var after = await kube.LabelPodAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, label, plan.Rollout, ct);
                lock (labeled)
                {
                    labeled.Add(PodPlacement.Name(pod));
                    if (!PodPlacement.HasDefaultTolerations(after))
                    {
                        stillMissing.Add(PodPlacement.Name(pod));
                    }
                }
            }
        });

        labeled.Sort(StringComparer.Ordinal);
        stillMissing.Sort(StringComparer.Ordinal);
        var summary = $"labeled {labeled.Count} pod(s) on {upgradedNodes.Count} node(s) with {label}={plan.Rollout}; {labeled.Count - stillMissing.Count} of them now carry the not-ready and unreachable NoExecute tolerations"
            + (stillMissing.Count > 0 ? $"; still without them: {PlacementPreflight.Shown(stillMissing)} (is the DefaultTolerationSeconds admission plugin enabled?)" : "");
        journal.SetFact(plan.Rollout, "", FactLabeled, summary);
        journal.AddEvent(plan.Rollout, $"label-pods: {summary}");
        progress.Say($"label-pods: {summary}");
    }
}
