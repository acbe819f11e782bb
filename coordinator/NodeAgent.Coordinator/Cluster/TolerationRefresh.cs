using NodeAgent.Client.Concurrency;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// The label-pods phase: after the kubelets are upgraded, every pod on an upgraded node that lacks the default
/// not-ready/unreachable NoExecute tolerations is touched with a label (an update), so that the API server's
/// DefaultTolerationSeconds admission plugin adds them, as the source account did. Reports how many were labeled
/// and how many now carry the tolerations. Labeling an already labeled pod again changes nothing.
/// </summary>
internal sealed partial class TolerationRefresh(Plan plan, KubeCluster kube, IRolloutJournal journal, IRolloutObserver progress)
{
    public const string FactLabeled = "pods-labeled";

    public async Task RunAsync(IReadOnlyList<string> upgradedNodes, CancellationToken cancellationToken)
    {
        var label = plan.Cluster.PodLabel;
        var value = LabelValue(plan.Rollout);
        var perNode = await FanOut.RunAsync(upgradedNodes, KubeCluster.MaxConcurrentCalls, (node, ct) => LabelNodeAsync(node, label, value, ct), cancellationToken);
        var labeled = perNode.SelectMany(n => n.Labeled).ToList();
        var stillMissing = perNode.SelectMany(n => n.StillMissing).ToList();
        labeled.Sort(StringComparer.Ordinal);
        stillMissing.Sort(StringComparer.Ordinal);
        var summary = $"labeled {labeled.Count} pod(s) on {upgradedNodes.Count} node(s) with {label}={value}; {labeled.Count - stillMissing.Count} of them now carry the not-ready and unreachable NoExecute tolerations"
            + (stillMissing.Count > 0 ? $"; still without them: {PlacementPreflight.Shown(stillMissing)} (is the DefaultTolerationSeconds admission plugin enabled?)" : "");
        journal.SetFact(plan.Rollout, "", FactLabeled, summary);
        journal.AddEvent(plan.Rollout, $"label-pods: {summary}");
        progress.Say($"label-pods: {summary}");
    }

    private async Task<(List<string> Labeled, List<string> StillMissing)> LabelNodeAsync(string node, string label, string value, CancellationToken cancellationToken)
    {
        var labeled = new List<string>();
        var stillMissing = new List<string>();
        foreach (var pod in (await kube.PodsOnAsync(node, cancellationToken)).Where(p => PodPlacement.IsLive(p) && !PodPlacement.HasDefaultTolerations(p)))
        {
            var after = await kube.LabelPodAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, label, value, cancellationToken);
            if (after is null)
            {
                continue;
            }

            labeled.Add(PodPlacement.Name(pod));
            if (!PodPlacement.HasDefaultTolerations(after))
            {
                stillMissing.Add(PodPlacement.Name(pod));
            }
        }

        return (labeled, stillMissing);
    }

    /// <summary>
    /// The rollout id when it is a valid label value (at most 63, beginning and ending with a letter or digit),
    /// otherwise "rollout-" and the start of its SHA-256, so that the patch is never refused.
    /// </summary>
    internal static string LabelValue(string rollout) =>
        LabelValuePattern().IsMatch(rollout)
            ? rollout
            : "rollout-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(rollout)))[..16];

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?\\z")]
    private static partial System.Text.RegularExpressions.Regex LabelValuePattern();
}
