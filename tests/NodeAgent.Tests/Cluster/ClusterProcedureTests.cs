using DemoFleet;
using k8s.Models;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Tests.Coordinator;

namespace NodeAgent.Tests.Cluster;

/// <summary>
/// The cluster steps of a rollout against a real fleet (agents and stand-ins in this process) and the in-process
/// API server driven by the real KubernetesClient: MatchNodeSelector preflight, --fix-labels, the toleration
/// labeling phase, controllers stopped and started on the control-plane nodes, and the verification section.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ClusterProcedureTests
{
    private const string AllPhases = "[preflight, backup, silence, controllers, canary, control-plane, workers, label-pods, verify]";

    [Fact]
    public async Task Rollout_PodSelectingALabelItsNodeLacks_RefusedBeforeAnythingIsTouched()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 3, controlPlane: 1);
        await using var api = await StartApiAsync(fleet);
        api.AddPod(Pod("web-1", "node-001", selector: new() { ["disktype"] = "ssd" }));
        api.AddPod(Pod("pinned", "node-002", affinity: ("kubernetes.io/hostname", "In", ["elsewhere"])));
        api.AddPod(Pod("guard", "node-001", affinity: ("disktype", "NotIn", ["ssd"])));
        var plan = fleet.WritePlan(new PlanOptions { Phases = AllPhases, ClusterYaml = ClusterYaml(api, fleet) });

        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);

        var result = await fleet.CoordinatorAsync("rollout", plan, "--plain", "--report-dir", fleet.Reports);

        Assert.Equal(ExitCodes.RolloutFailed, result.ExitCode);
        Assert.Contains("node-001: pod default/web-1 would fail with MatchNodeSelector", result.Out, StringComparison.Ordinal);
        Assert.Contains("nodeSelector disktype=ssd: the node has no label disktype", result.Out, StringComparison.Ordinal);
        Assert.Contains("node-002: pod default/pinned would fail with MatchNodeSelector", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("default/guard would fail", result.Out, StringComparison.Ordinal);

        // Asked to fix the labels, it still refuses: the affinity cannot be fixed, and the label web-1 wants would
        // make guard fail.
        var fixing = await fleet.CoordinatorAsync("rollout", plan, "--plain", "--fix-labels", "--report-dir", fleet.Reports);

        Assert.Equal(ExitCodes.RolloutFailed, fixing.ExitCode);
        Assert.Contains("node-001: adding disktype=ssd for other pods would make pod default/guard fail with MatchNodeSelector", fixing.Out, StringComparison.Ordinal);
        Assert.Contains("node-002: pod default/pinned would fail with MatchNodeSelector", fixing.Out, StringComparison.Ordinal);
        Assert.Empty(api.Writes);
        foreach (var node in fleet.Nodes)
        {
            Assert.DoesNotContain(await FleetFixture.OperationsAsync(node), o => o.Kind is OperationKind.Apply or OperationKind.Stop);
        }
    }

    [Fact]
    public async Task Rollout_WithFixLabels_LabelsNodesUpgradesRefreshesTolerationsRestartsControllersAndVerifies()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 3, controlPlane: 1);
        await using var api = await StartApiAsync(fleet);
        api.AddPod(Pod("web-1", "node-001", selector: new() { ["disktype"] = "ssd" }));
        api.AddPod(Pod("db-1", "node-002"));
        api.AddPod(Pod("tolerant", "node-002", tolerations: [new V1Toleration { OperatorProperty = "Exists" }]));
        api.AddPod(Pod("done", "node-002", phase: "Succeeded", selector: new() { ["gone"] = "yes" }));
        var plan = fleet.WritePlan(new PlanOptions { Phases = AllPhases, ClusterYaml = ClusterYaml(api, fleet) });

        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);

        var result = await fleet.CoordinatorAsync("rollout", plan, "--plain", "--fix-labels", "--report-dir", fleet.Reports);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.Out + result.Err);
        Assert.Equal("ssd", api.Node("node-001").Metadata.Labels["disktype"]);
        Assert.False(api.Node("node-002").Metadata.Labels.ContainsKey("gone"));
        Assert.Contains("labels-added: disktype=ssd", result.Out, StringComparison.Ordinal);
        foreach (var (ns, name) in new[] { ("default", "web-1"), ("default", "db-1") })
        {
            var pod = api.Pod(ns, name);
            Assert.Equal("r1", pod.Metadata.Labels[ClusterPlanLabel]);
            Assert.Contains(pod.Spec.Tolerations, t => t.Key == "node.kubernetes.io/not-ready" && t.Effect == "NoExecute");
            Assert.Contains(pod.Spec.Tolerations, t => t.Key == "node.kubernetes.io/unreachable" && t.Effect == "NoExecute");
        }

        Assert.False(api.Pod("default", "tolerant").Metadata.Labels?.ContainsKey(ClusterPlanLabel) ?? false);
        Assert.Contains("labeled 2 pod(s) on 3 node(s)", result.Out, StringComparison.Ordinal);
        Assert.Contains("2 of them now carry the not-ready and unreachable NoExecute tolerations", result.Out, StringComparison.Ordinal);

        // Controllers: stopped before the first apply anywhere, started after the last, running at the end.
        var cp = fleet.Nodes.Single(n => n.Role == "control-plane");
        var all = new List<Operation>();
        foreach (var node in fleet.Nodes)
        {
            all.AddRange(await FleetFixture.OperationsAsync(node));
        }

        var firstApply = all.Where(o => o.Kind == OperationKind.Apply).Min(o => o.CreatedAt.ToDateTimeOffset());
        var lastApply = all.Where(o => o.Kind == OperationKind.Apply).Max(o => o.FinishedAt.ToDateTimeOffset());
        var cpOps = await FleetFixture.OperationsAsync(cp);
        foreach (var controller in new[] { "kube-controller-manager", "kube-scheduler" })
        {
            var stop = cpOps.Where(o => o.Component == controller && o.Kind == OperationKind.Stop).MinBy(o => o.CreatedAt.ToDateTimeOffset())!;
            var start = cpOps.Single(o => o.Component == controller && o.Kind == OperationKind.Start);
            Assert.Equal(OperationState.Succeeded, stop.State);
            Assert.Equal(OperationState.Succeeded, start.State);
            Assert.True(stop.FinishedAt.ToDateTimeOffset() <= firstApply, $"{controller} stopped after the first apply");
            Assert.True(start.CreatedAt.ToDateTimeOffset() >= lastApply, $"{controller} started before the last apply finished");
        }

        var info = await InfoAsync(cp);
        Assert.All(info.Components.Where(c => c.Name.StartsWith("kube-", StringComparison.Ordinal) && c.Name != "kube-proxy"), c => Assert.True(c.Active, $"{c.Name} is not running"));

        // Verification section of the report.
        var report = await File.ReadAllTextAsync(Path.Combine(fleet.Reports, "r1.txt"));
        Assert.Contains("Verification", report, StringComparison.Ordinal);
        foreach (var node in fleet.Nodes)
        {
            Assert.Matches($@"(?m)^{node.Name}\s+yes\s+v1\.17\.0\s", report);
        }

        Assert.Contains("controllers-started: started again after the nodes were done: kube-controller-manager on cp-01, kube-scheduler on cp-01", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_NodeNotReadyOrKubeletBehindInTheApi_FlaggedInTheReport()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 3, controlPlane: 1);
        await using var api = await StartApiAsync(fleet);
        var cluster = ClusterYaml(api, fleet);
        var first = fleet.WritePlan(new PlanOptions { Phases = "[canary, control-plane, workers]", ClusterYaml = cluster });
        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", first)).ExitCode);
        var upgrade = await fleet.CoordinatorAsync("rollout", first, "--plain");
        Assert.True(upgrade.ExitCode == ExitCodes.Ok, upgrade.Out + upgrade.Err);
        api.SetKubeletVersion("node-002", "v1.10.11");
        api.AddNode("node-001", "v1.17.0", ready: false);

        var result = await fleet.CoordinatorAsync("rollout", fleet.WritePlan(new PlanOptions { Rollout = "check", Phases = "[verify]", ClusterYaml = cluster }), "--plain", "--report-dir", fleet.Reports);

        Assert.Equal(ExitCodes.RolloutFailed, result.ExitCode);
        var report = await File.ReadAllTextAsync(Path.Combine(fleet.Reports, "check.txt"));
        Assert.Matches(@"(?m)^node-001\s+NO\s+v1\.17\.0\s.*the node is not Ready in the Kubernetes API", report);
        Assert.Matches(@"(?m)^node-002\s+yes\s+v1\.10\.11\s.*the API reports kubelet v1\.10\.11, not v1\.17\.0", report);
        Assert.Matches(@"(?m)^cp-01\s+yes\s+v1\.17\.0\s+-\s+-\s+components at v1\.17\.0", report);
    }

    [Fact]
    public async Task Rollout_InterruptedThenAborted_ControllersStartedWhenTheAbortIsSeen()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 2, controlPlane: 1);
        await using var api = await StartApiAsync(fleet);
        var plan = fleet.WritePlan(new PlanOptions { Phases = AllPhases, SoakAfterCanary = "10m", ClusterYaml = ClusterYaml(api, fleet) });
        Assert.Equal(ExitCodes.Ok, (await fleet.CoordinatorAsync("stage", plan)).ExitCode);
        var cp = fleet.Nodes.Single(n => n.Role == "control-plane");
        using var interrupt = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var rollout = CoordinatorCli.RunAsync(["--journal", fleet.Journal, "rollout", plan, "--plain"], output, error, interrupt.Token);
        await Infrastructure.Eventually.TrueAsync(
            async () => (await FleetFixture.OperationsAsync(cp)).Any(o => o.Kind == OperationKind.Apply && o.State == OperationState.Succeeded),
            TimeSpan.FromSeconds(60),
            "the canary to be upgraded (the rollout then soaks for 10 minutes)");
        await interrupt.CancelAsync();
        Assert.Equal(ExitCodes.RolloutFailed, await rollout);
        var whileInterrupted = await FleetFixture.OperationsAsync(cp);
        var abort = await fleet.CoordinatorAsync("abort", "r1");
        var again = await fleet.CoordinatorAsync("rollout", plan, "--plain");

        Assert.Contains(whileInterrupted, o => o.Component == "kube-scheduler" && o.Kind == OperationKind.Stop && o.State == OperationState.Succeeded);
        Assert.DoesNotContain(whileInterrupted, o => o.Kind == OperationKind.Start);
        Assert.Equal(ExitCodes.Ok, abort.ExitCode);
        Assert.Equal(ExitCodes.Refused, again.ExitCode);
        Assert.Contains("rollout r1 was aborted", again.Err, StringComparison.Ordinal);
        var after = await FleetFixture.OperationsAsync(cp);
        Assert.Contains(after, o => o.Component == "kube-scheduler" && o.Kind == OperationKind.Start && o.State == OperationState.Succeeded);
        Assert.Contains(after, o => o.Component == "kube-controller-manager" && o.Kind == OperationKind.Start && o.State == OperationState.Succeeded);
        Assert.All((await InfoAsync(cp)).Components, c => Assert.True(c.Active, $"{c.Name} is not running"));
    }

    private const string ClusterPlanLabel = "nodeagent.io/tolerations-refreshed";

    internal static async Task<FakeApiServer> StartApiAsync(FleetFixture fleet)
    {
        var api = await FakeApiServer.StartAsync();
        foreach (var node in fleet.Nodes)
        {
            var labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = node.Name };
            if (node.Role == "control-plane")
            {
                labels["node-role.kubernetes.io/control-plane"] = "";
            }

            api.AddNode(node.Name, "v1.17.0", labels: labels);
        }

        return api;
    }

    internal static string ClusterYaml(FakeApiServer api, FleetFixture fleet, string extra = "") => $"""
        cluster:
          kubernetes:
            kubeconfig: {api.WriteKubeconfig(fleet.Dir.Combine($"kubeconfig-{Guid.NewGuid():N}"))}
        {extra}
        """;

    private static V1Pod Pod(string name, string node, Dictionary<string, string>? selector = null, (string Key, string Op, string[] Values)? affinity = null, List<V1Toleration>? tolerations = null, string phase = "Running") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec
        {
            NodeName = node,
            NodeSelector = selector,
            Tolerations = tolerations,
            Containers = [new V1Container { Name = "main", Image = "busybox" }],
            Affinity = affinity is not { } required ? null : new V1Affinity
            {
                NodeAffinity = new V1NodeAffinity
                {
                    RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                    {
                        NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = required.Key, OperatorProperty = required.Op, Values = required.Values }] }],
                    },
                },
            },
        },
        Status = new V1PodStatus { Phase = phase },
    };

    private static async Task<GetInfoResponse> InfoAsync(FleetNode node)
    {
        using var channel = Infrastructure.TestNode.OpenChannel(node.Address["unix:".Length..]);
        return await new NodeAgentService.NodeAgentServiceClient(channel).GetInfoAsync(new GetInfoRequest { Probe = true });
    }
}
