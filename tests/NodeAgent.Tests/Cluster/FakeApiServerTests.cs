using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cluster;

/// <summary>
/// The in-process API server answers the real KubernetesClient the way the API reference says: paging, field and
/// label selectors, the three patch types, Status errors, and the DefaultTolerationSeconds admission on updates.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class FakeApiServerTests : IAsyncLifetime, IDisposable
{
    private readonly TempDir _dir = new();
    private FakeApiServer _api = null!;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeApiServer.StartAsync();
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_api.WriteKubeconfig(_dir.Combine("kubeconfig"))));
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    public void Dispose()
    {
        _client.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task ListPods_FieldSelectorAndPaging_ReturnsEachPodOnce()
    {
        for (var i = 0; i < 7; i++)
        {
            _api.AddPod(new V1Pod { Metadata = new V1ObjectMeta { Name = $"p{i}" }, Spec = new V1PodSpec { NodeName = i < 5 ? "a" : "b", Containers = [] } });
        }

        var names = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await _client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: next, fieldSelector: "spec.nodeName=a", limit: 2);
            names.AddRange(page.Items.Select(p => p.Metadata.Name));
            next = page.Metadata.ContinueProperty;
            pages++;
        }
        while (!string.IsNullOrEmpty(next));

        Assert.Equal(["p0", "p1", "p2", "p3", "p4"], names);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task ListPods_UnsupportedFieldSelector_BadRequestStatus()
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "spec.colour=red"));

        Assert.Equal(HttpStatusCode.BadRequest, ex.Response.StatusCode);
        Assert.Contains("field label not supported: spec.colour", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListNodes_LabelSelector_Filters()
    {
        _api.AddNode("cp", "v1.10.11", labels: new Dictionary<string, string> { ["node-role.kubernetes.io/control-plane"] = "" });
        _api.AddNode("w1", "v1.10.11");

        var controlPlane = await _client.CoreV1.ListNodeAsync(labelSelector: "node-role.kubernetes.io/control-plane");
        var workers = await _client.CoreV1.ListNodeAsync(labelSelector: "!node-role.kubernetes.io/control-plane");

        Assert.Equal(["cp"], controlPlane.Items.Select(n => n.Metadata.Name));
        Assert.Equal(["w1"], workers.Items.Select(n => n.Metadata.Name));
    }

    [Fact]
    public async Task PatchNode_MergeStrategicAndJsonPatch_EachApplied()
    {
        _api.AddNode("w1", "v1.10.11");
        var before = _api.Node("w1").Metadata.ResourceVersion;

        await _client.CoreV1.PatchNodeAsync(new V1Patch("{\"metadata\":{\"labels\":{\"a\":\"1\",\"kubernetes.io/hostname\":null}}}", V1Patch.PatchType.MergePatch), "w1");
        await _client.CoreV1.PatchNodeAsync(new V1Patch("{\"metadata\":{\"labels\":{\"b\":\"2\"}}}", V1Patch.PatchType.StrategicMergePatch), "w1");
        await _client.CoreV1.PatchNodeAsync(new V1Patch("[{\"op\":\"add\",\"path\":\"/metadata/labels/c~1d\",\"value\":\"3\"}]", V1Patch.PatchType.JsonPatch), "w1");

        var node = _api.Node("w1");
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["c/d"] = "3" }, node.Metadata.Labels);
        Assert.NotEqual(before, node.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task PatchNode_Missing_NotFoundStatus()
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.PatchNodeAsync(new V1Patch("{}", V1Patch.PatchType.MergePatch), "ghost"));

        Assert.Equal(HttpStatusCode.NotFound, ex.Response.StatusCode);
        Assert.Contains("nodes \\\"ghost\\\" not found", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PatchPod_Update_DefaultTolerationSecondsAddsBothTolerationsOnce()
    {
        _api.AddPod(new V1Pod { Metadata = new V1ObjectMeta { Name = "web" }, Spec = new V1PodSpec { NodeName = "a", Containers = [] } });

        await _client.CoreV1.PatchNamespacedPodAsync(new V1Patch("{\"metadata\":{\"labels\":{\"x\":\"1\"}}}", V1Patch.PatchType.MergePatch), "web", "default");
        var pod = await _client.CoreV1.PatchNamespacedPodAsync(new V1Patch("{\"metadata\":{\"labels\":{\"x\":\"2\"}}}", V1Patch.PatchType.MergePatch), "web", "default");

        Assert.Equal(2, pod.Spec.Tolerations.Count);
        Assert.All(pod.Spec.Tolerations, t => Assert.Equal(300, t.TolerationSeconds));
        Assert.Equal(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"], pod.Spec.Tolerations.Select(t => t.Key));
    }

    [Fact]
    public async Task Inventory_NodesFromTheApi_RolesFromLabelsAddressesFromAnnotationOrTemplate()
    {
        _api.AddNode("w1", "v1.10.11");
        _api.AddNode("cp1", "v1.10.11", labels: new Dictionary<string, string> { ["node-role.kubernetes.io/master"] = "" });
        await _client.CoreV1.PatchNodeAsync(new V1Patch("{\"metadata\":{\"annotations\":{\"nodeagent.io/address\":\"10.9.9.9:7443\"}}}", V1Patch.PatchType.MergePatch), "w1");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CoordinatorCli.RunAsync(["inventory", "--kubeconfig", _dir.Combine("kubeconfig"), "--address-template", "{name}.nodes:7443"], output, error, CancellationToken.None);

        Assert.True(code == 0, error.ToString());
        Assert.Equal(
            "inventory:\n  - name: cp1\n    role: control-plane\n    address: \"cp1.nodes:7443\"\n  - name: w1\n    role: worker\n    address: \"10.9.9.9:7443\"\n",
            output.ToString());
    }
}
