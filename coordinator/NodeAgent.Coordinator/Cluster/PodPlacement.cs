using System.Globalization;
using k8s.Models;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>Why a pod's node selection does not hold on its node, and which node labels would make it hold.</summary>
internal sealed record PlacementCheck(IReadOnlyList<string> Problems, IReadOnlyDictionary<string, string> LabelsToAdd, bool Fixable)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// The kubelet's admission rules the procedure must keep true across a kubelet restart: a pod whose nodeSelector or
/// required node affinity the node's labels do not satisfy goes Failed with reason MatchNodeSelector; a pod without
/// not-ready/unreachable NoExecute tolerations is evicted under TaintBasedEvictions while its kubelet is away.
/// </summary>
internal static class PodPlacement
{
    public const string NotReadyTaint = "node.kubernetes.io/not-ready";
    public const string UnreachableTaint = "node.kubernetes.io/unreachable";

    /// <summary>Pods that have finished do not run again, so their placement no longer matters.</summary>
    public static bool IsLive(V1Pod pod) => pod.Status?.Phase is not ("Succeeded" or "Failed");

    public static string Name(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";

    /// <summary>
    /// Checks nodeSelector and required node affinity against the node. Only labels a nodeSelector asks for that the
    /// node lacks are fixable (adding them changes nothing else); a label with another value, or an affinity term no
    /// label addition satisfies unambiguously, needs a human.
    /// </summary>
    public static PlacementCheck Check(V1Pod pod, V1Node node)
    {
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        var problems = new List<string>();
        var add = new Dictionary<string, string>(StringComparer.Ordinal);
        var fixable = true;
        foreach (var (key, value) in pod.Spec.NodeSelector ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var actual))
            {
                problems.Add($"nodeSelector {key}={value}: the node has no label {key}");
                add[key] = value;
            }
            else if (actual != value)
            {
                problems.Add($"nodeSelector {key}={value}: the node has {key}={actual}");
                fixable = false;
            }
        }

        var terms = pod.Spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms ?? [];
        if (terms.Count > 0 && !terms.Any(t => Matches(t, labels, node.Metadata.Name)))
        {
            problems.Add($"required node affinity: none of its {terms.Count} term(s) matches the node's labels");
            fixable = false;
        }

        return new PlacementCheck(problems, add, fixable && problems.Count > 0);
    }

    /// <summary>Whether the pod tolerates a NoExecute taint with this key and no value, as the taint manager decides.</summary>
    public static bool ToleratesNoExecute(V1Pod pod, string taintKey) =>
        (pod.Spec.Tolerations ?? []).Any(t =>
            (string.IsNullOrEmpty(t.Effect) || t.Effect == "NoExecute")
            && (string.IsNullOrEmpty(t.Key) ? t.OperatorProperty == "Exists" : t.Key == taintKey && (t.OperatorProperty == "Exists" || string.IsNullOrEmpty(t.Value))));

    public static bool HasDefaultTolerations(V1Pod pod) => ToleratesNoExecute(pod, NotReadyTaint) && ToleratesNoExecute(pod, UnreachableTaint);

    /// <summary>A node selector term: every expression holds (terms are ORed by the caller; an empty term matches nothing).</summary>
    private static bool Matches(V1NodeSelectorTerm term, IDictionary<string, string> labels, string nodeName)
    {
        var expressions = term.MatchExpressions ?? [];
        var fields = term.MatchFields ?? [];
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false;
        }

        var nodeFields = new Dictionary<string, string>(StringComparer.Ordinal) { ["metadata.name"] = nodeName };
        return expressions.All(e => Holds(e, labels)) && fields.All(f => Holds(f, nodeFields));
    }

    private static bool Holds(V1NodeSelectorRequirement requirement, IDictionary<string, string> values)
    {
        var present = values.TryGetValue(requirement.Key, out var value);
        var wanted = requirement.Values ?? [];
        return requirement.OperatorProperty switch
        {
            "In" => present && wanted.Contains(value!),
            "NotIn" => !present || !wanted.Contains(value!),
            "Exists" => present,
            "DoesNotExist" => !present,
            "Gt" => present && Compare(value!, wanted) > 0,
            "Lt" => present && Compare(value!, wanted) < 0,
            _ => false,
        };
    }

    /// <summary>Gt and Lt compare the label as an integer with the requirement's single value; anything else never matches.</summary>
    private static int Compare(string label, IList<string> wanted) =>
        wanted.Count == 1 && long.TryParse(label, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var left) && long.TryParse(wanted[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var right)
            ? left.CompareTo(right)
            : 0;
}
