using k8s.Models;
using NodeAgent.Coordinator.Cluster;

namespace NodeAgent.Tests.Cluster;

/// <summary>The kubelet's MatchNodeSelector rule and the taint manager's toleration rule, case by case.</summary>
[Trait("Category", "Cluster")]
public sealed class PodPlacementTests
{
    private static readonly V1Node Node = new()
    {
        Metadata = new V1ObjectMeta { Name = "n1", Labels = new Dictionary<string, string> { ["disktype"] = "ssd", ["zone"] = "a", ["cores"] = "16" } },
    };

    [Theory]
    [InlineData("disktype", "In", "ssd,nvme", true)]
    [InlineData("disktype", "In", "hdd", false)]
    [InlineData("disktype", "NotIn", "hdd", true)]
    [InlineData("disktype", "NotIn", "ssd", false)]
    [InlineData("gpu", "NotIn", "yes", true)]
    [InlineData("zone", "Exists", "", true)]
    [InlineData("gpu", "Exists", "", false)]
    [InlineData("gpu", "DoesNotExist", "", true)]
    [InlineData("zone", "DoesNotExist", "", false)]
    [InlineData("cores", "Gt", "8", true)]
    [InlineData("cores", "Gt", "16", false)]
    [InlineData("cores", "Lt", "32", true)]
    [InlineData("zone", "Gt", "1", false)]
    public void Check_AffinityOperator_MatchesAsTheScheduler(string key, string op, string values, bool satisfied)
    {
        var pod = Pod(affinity: [new V1NodeSelectorTerm { MatchExpressions = [Requirement(key, op, values)] }]);

        Assert.Equal(satisfied, PodPlacement.Check(pod, Node).Ok);
    }

    [Fact]
    public void Check_TermsOredExpressionsAnded()
    {
        var failing = new V1NodeSelectorTerm { MatchExpressions = [Requirement("zone", "In", "a"), Requirement("disktype", "In", "hdd")] };
        var passing = new V1NodeSelectorTerm { MatchFields = [Requirement("metadata.name", "In", "n1")] };

        Assert.False(PodPlacement.Check(Pod(affinity: [failing]), Node).Ok);
        Assert.True(PodPlacement.Check(Pod(affinity: [failing, passing]), Node).Ok);
        Assert.False(PodPlacement.Check(Pod(affinity: [new V1NodeSelectorTerm()]), Node).Ok);
    }

    [Fact]
    public void Check_MissingSelectorLabel_FixableWithThatLabelOnly()
    {
        var check = PodPlacement.Check(Pod(selector: new() { ["disktype"] = "ssd", ["rack"] = "r7" }), Node);

        Assert.False(check.Ok);
        Assert.True(check.Fixable);
        Assert.Equal(new Dictionary<string, string> { ["rack"] = "r7" }, check.LabelsToAdd);
    }

    [Fact]
    public void Check_SelectorLabelWithAnotherValue_NotFixable()
    {
        var check = PodPlacement.Check(Pod(selector: new() { ["disktype"] = "hdd" }), Node);

        Assert.False(check.Fixable);
        Assert.Contains("the node has disktype=ssd", check.Problems[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "Exists", null, true)]
    [InlineData("node.kubernetes.io/not-ready", "Exists", "NoExecute", true)]
    [InlineData("node.kubernetes.io/not-ready", "Exists", null, true)]
    [InlineData("node.kubernetes.io/not-ready", "Exists", "NoSchedule", false)]
    [InlineData("node.kubernetes.io/not-ready", "Equal", "NoExecute", true)]
    [InlineData("other", "Exists", "NoExecute", false)]
    [InlineData(null, "Equal", null, false)]
    public void ToleratesNoExecute_AsTheTaintManager(string? key, string op, string? effect, bool tolerates)
    {
        var pod = Pod();
        pod.Spec.Tolerations = [new V1Toleration { Key = key, OperatorProperty = op, Effect = effect }];

        Assert.Equal(tolerates, PodPlacement.ToleratesNoExecute(pod, PodPlacement.NotReadyTaint));
    }

    [Theory]
    [InlineData("r1", "r1")]
    [InlineData("upgrade-1.17", "upgrade-1.17")]
    [InlineData("upgrade-", "rollout-")]
    [InlineData("a123456789012345678901234567890123456789012345678901234567890123", "rollout-")]
    public void LabelValue_RolloutIdNotAValidLabelValue_Hashed(string rollout, string expectedStart)
    {
        var value = TolerationRefresh.LabelValue(rollout);

        Assert.StartsWith(expectedStart, value, StringComparison.Ordinal);
        Assert.Matches("^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", value);
        Assert.Equal(value, TolerationRefresh.LabelValue(rollout));
    }

    private static V1NodeSelectorRequirement Requirement(string key, string op, string values) =>
        new() { Key = key, OperatorProperty = op, Values = values.Length == 0 ? null : values.Split(',') };

    private static V1Pod Pod(Dictionary<string, string>? selector = null, List<V1NodeSelectorTerm>? affinity = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "default" },
        Spec = new V1PodSpec
        {
            NodeSelector = selector,
            Affinity = affinity is null ? null : new V1Affinity { NodeAffinity = new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = affinity } } },
            Containers = [],
        },
    };
}
