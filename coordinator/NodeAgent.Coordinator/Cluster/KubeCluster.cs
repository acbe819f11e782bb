using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// The few Kubernetes API calls the procedure makes (nodes, pods on a node, label patches), through the official
/// client. Every failure becomes a <see cref="CoordinatorException"/> naming the call and the API's answer.
/// </summary>
internal sealed class KubeCluster(IKubernetes client) : IDisposable
{
    /// <summary>How many nodes' pods are read or patched at once: the API server is shared with the whole cluster.</summary>
    public const int MaxConcurrentCalls = 8;

    private const int PageSize = 500;

    public static KubeCluster Connect(KubernetesAccess access)
    {
        try
        {
            var config = access switch
            {
                { InCluster: true } => KubernetesClientConfiguration.InClusterConfig(),
                { Kubeconfig: null, Context: null } => KubernetesClientConfiguration.BuildDefaultConfig(),
                _ => KubernetesClientConfiguration.BuildConfigFromConfigFile(access.Kubeconfig, access.Context),
            };
            return new KubeCluster(new Kubernetes(config));
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or ArgumentException or FormatException
            or System.Security.Cryptography.CryptographicException or YamlDotNet.Core.YamlException)
        {
            throw new CoordinatorException($"cannot use the Kubernetes access in the plan ({access.Kubeconfig ?? "in-cluster"}): {ex.Message}");
        }
    }

    public Task<IReadOnlyList<V1Node>> NodesAsync(CancellationToken cancellationToken) =>
        CallAsync("list nodes", async () => (IReadOnlyList<V1Node>)(await client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken)).Items.ToList());

    /// <summary>The node, or null when the API has no node of that name.</summary>
    public Task<V1Node?> NodeAsync(string name, CancellationToken cancellationToken) =>
        CallAsync($"read node {name}", async () =>
        {
            try
            {
                return await client.CoreV1.ReadNodeAsync(name, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        });

    /// <summary>Every pod bound to the node, over all namespaces, read page by page.</summary>
    public Task<IReadOnlyList<V1Pod>> PodsOnAsync(string node, CancellationToken cancellationToken) =>
        CallAsync($"list pods on {node}", async () =>
        {
            var pods = new List<V1Pod>();
            string? next = null;
            do
            {
                var page = await client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: next, fieldSelector: $"spec.nodeName={node}", limit: PageSize, cancellationToken: cancellationToken);
                pods.AddRange(page.Items);
                next = page.Metadata?.ContinueProperty;
            }
            while (!string.IsNullOrEmpty(next));
            return (IReadOnlyList<V1Pod>)pods;
        });

    /// <summary>Adds (or overwrites) labels on a node with a JSON merge patch.</summary>
    public Task LabelNodeAsync(string node, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken) =>
        CallAsync($"label node {node}", () => client.CoreV1.PatchNodeAsync(LabelPatch(labels), node, cancellationToken: cancellationToken));

    /// <summary>
    /// Sets one label on a pod with a JSON merge patch (an update, so admission plugins run on it); null when the
    /// pod is gone (deleted between the list and the patch, as finished Jobs' pods are).
    /// </summary>
    public Task<V1Pod?> LabelPodAsync(string ns, string pod, string key, string value, CancellationToken cancellationToken) =>
        CallAsync($"label pod {ns}/{pod}", async () =>
        {
            try
            {
                return await client.CoreV1.PatchNamespacedPodAsync(LabelPatch(new Dictionary<string, string> { [key] = value }), pod, ns, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        });

    public void Dispose() => client.Dispose();

    private static V1Patch LabelPatch(IReadOnlyDictionary<string, string> labels)
    {
        var patch = new Dictionary<string, Dictionary<string, Dictionary<string, string>>> { ["metadata"] = new() { ["labels"] = labels.ToDictionary(StringComparer.Ordinal) } };
        return new V1Patch(JsonSerializer.Serialize(patch, ClusterJsonContext.Default.DictionaryStringDictionaryStringDictionaryStringString), V1Patch.PatchType.MergePatch);
    }

    private static async Task<T> CallAsync<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpOperationException ex)
        {
            var body = ex.Response.Content ?? "";
            throw new CoordinatorException($"Kubernetes API: {what}: {(int)ex.Response.StatusCode} {ex.Response.StatusCode}: {(body.Length > 300 ? body[..300] + "…" : body)}");
        }
        catch (HttpRequestException ex)
        {
            throw new CoordinatorException($"Kubernetes API: {what}: {ex.Message}");
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            throw new CoordinatorException($"Kubernetes API: {what}: no answer in time");
        }
        catch (JsonException ex)
        {
            throw new CoordinatorException($"Kubernetes API: {what}: the answer is not the JSON expected: {ex.Message}");
        }
    }
}
