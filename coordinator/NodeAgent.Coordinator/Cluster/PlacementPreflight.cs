using NodeAgent.Client.Concurrency;
using NodeAgent.Coordinator.Engine;
using k8s.Models;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// The cluster half of the preflight: every pod on a node about to be upgraded must still be admitted by the
/// restarted kubelet (MatchNodeSelector), and pods without the default NoExecute tolerations are counted. With
/// fixLabels, labels that pods select on and their node lacks are added, and only when nothing else is wrong.
/// </summary>
internal sealed class PlacementPreflight(Plan plan, KubeCluster kube, IRolloutJournal journal, IRolloutObserver progress)
{
    public const string FactPreflight = "preflight";
    public const string FactTolerations = "pods-without-tolerations";
    public const string FactLabelsAdded = "labels-added";
    private const int ShowAtMost = 10;

    /// <summary>Returns the problems that must stop the rollout; none means go (after adding labels when asked).</summary>
    public async Task<IReadOnlyList<string>> RunAsync(IReadOnlyList<PlanNode> nodes, bool fixLabels, CancellationToken cancellationToken)
    {
        var settings = plan.Cluster.Preflight;
        var problems = new List<string>();
        var untolerating = new List<string>();
        var fixes = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var podCount = 0;
        var checks = await FanOut.RunAsync(nodes, KubeCluster.MaxConcurrentCalls, (node, ct) => CheckNodeAsync(node, fixLabels, ct), cancellationToken);
        foreach (var (node, found) in nodes.Zip(checks))
        {
            problems.AddRange(found.Problems);
            untolerating.AddRange(found.Untolerating);
            podCount += found.Pods;
            if (found.Fixes.Count > 0)
            {
                fixes[node.Name] = found.Fixes;
            }
        }

        problems.Sort(StringComparer.Ordinal);
        untolerating.Sort(StringComparer.Ordinal);
        if (problems.Count == 0)
        {
            foreach (var (node, labels) in fixes.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                await kube.LabelNodeAsync(node, labels, cancellationToken);
                var added = string.Join(", ", labels.Select(l => $"{l.Key}={l.Value}"));
                journal.SetFact(plan.Rollout, node, FactLabelsAdded, added);
                journal.AddEvent(plan.Rollout, $"preflight: added label(s) {added} to node {node} (--fix-labels)");
                progress.Say($"preflight: added label(s) {added} to node {node}");
            }
        }

        if (settings.Tolerations)
        {
            var summary = untolerating.Count == 0
                ? "every pod tolerates node.kubernetes.io/not-ready and node.kubernetes.io/unreachable (NoExecute)"
                : $"{untolerating.Count} pod(s) lack the not-ready/unreachable NoExecute tolerations (the label-pods phase refreshes them): {Shown(untolerating)}";
            journal.SetFact(plan.Rollout, "", FactTolerations, summary);
            progress.Say($"preflight: {summary}");
        }

        var labeled = problems.Count == 0 ? fixes.Count : 0;
        journal.SetFact(plan.Rollout, "", FactPreflight, $"{nodes.Count} node(s) and {podCount} pod(s) checked; {problems.Count} problem(s); labels added on {labeled} node(s)");
        return problems;
    }

    private async Task<(List<string> Problems, List<string> Untolerating, Dictionary<string, string> Fixes, int Pods)> CheckNodeAsync(PlanNode node, bool fixLabels, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var fixes = new Dictionary<string, string>(StringComparer.Ordinal);
        var apiNode = await kube.NodeAsync(node.Name, cancellationToken);
        if (apiNode is null)
        {
            return ([$"{node.Name}: the Kubernetes API has no node of that name"], [], fixes, 0);
        }

        var pods = (await kube.PodsOnAsync(node.Name, cancellationToken)).Where(PodPlacement.IsLive).ToList();
        if (plan.Cluster.Preflight.MatchNodeSelector)
        {
            foreach (var pod in pods)
            {
                var check = PodPlacement.Check(pod, apiNode);
                if (check.Ok)
                {
                    continue;
                }

                if (fixLabels && check.Fixable && AddFixes(fixes, check.LabelsToAdd))
                {
                    continue;
                }

                var hint = check.Fixable ? " (fixLabels or --fix-labels adds the missing labels)" : "";
                problems.Add($"{node.Name}: pod {PodPlacement.Name(pod)} would fail with MatchNodeSelector when its kubelet restarts: {string.Join("; ", check.Problems)}{hint}");
            }
        }

        if (fixes.Count > 0)
        {
            problems.AddRange(BrokenByFixes(node.Name, apiNode, pods, fixes));
        }

        var untolerating = pods.Where(p => !PodPlacement.HasDefaultTolerations(p)).Select(p => $"{node.Name}: {PodPlacement.Name(p)}").ToList();
        return (problems, untolerating, fixes, pods.Count);
    }

    /// <summary>Pods that are placed well now but would not be with the added labels (NotIn or DoesNotExist affinity).</summary>
    private static IEnumerable<string> BrokenByFixes(string nodeName, V1Node apiNode, List<V1Pod> pods, Dictionary<string, string> fixes)
    {
        var labels = new Dictionary<string, string>(apiNode.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in fixes)
        {
            labels[key] = value;
        }

        var fixedNode = new V1Node { Metadata = new V1ObjectMeta { Name = apiNode.Metadata.Name, Labels = labels } };
        var added = string.Join(", ", fixes.Select(f => $"{f.Key}={f.Value}"));
        return pods
            .Where(p => PodPlacement.Check(p, apiNode).Ok && !PodPlacement.Check(p, fixedNode).Ok)
            .Select(p => $"{nodeName}: adding {added} for other pods would make pod {PodPlacement.Name(p)} fail with MatchNodeSelector; fix the labels by hand");
    }

    /// <summary>Merges one pod's missing labels; false when two pods want different values for the same key.</summary>
    private static bool AddFixes(Dictionary<string, string> fixes, IReadOnlyDictionary<string, string> labels)
    {
        if (labels.Any(l => fixes.TryGetValue(l.Key, out var other) && other != l.Value))
        {
            return false;
        }

        foreach (var (key, value) in labels)
        {
            fixes[key] = value;
        }

        return true;
    }

    internal static string Shown(IReadOnlyList<string> items) =>
        string.Join(", ", items.Take(ShowAtMost)) + (items.Count > ShowAtMost ? $" and {items.Count - ShowAtMost} more" : "");
}
