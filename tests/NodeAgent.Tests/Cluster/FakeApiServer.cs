using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Tests.Cluster;

/// <summary>
/// The part of a Kubernetes API server the coordinator uses, in this process on loopback (no kube-apiserver can be
/// installed here): nodes (list with label selectors, get, patch), pods (list over all namespaces with the
/// spec.nodeName field selector and limit/continue paging, patch), JSON merge, strategic merge and JSON patches by
/// content type, resourceVersion on every write, Status objects for errors, and the DefaultTolerationSeconds
/// admission plugin on pod updates. Tests drive it with the real KubernetesClient.
/// </summary>
internal sealed class FakeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, JsonObject> _nodes = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, JsonObject> _pods = new(StringComparer.Ordinal);
    private long _resourceVersion = 1000;

    private FakeApiServer(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>Whether pod updates get the default not-ready/unreachable tolerations (the admission plugin is on by default).</summary>
    public bool DefaultTolerationSeconds { get; set; } = true;

    /// <summary>Every write request, as "PATCH /api/v1/nodes/x".</summary>
    public List<string> Writes { get; } = [];

    public static async Task<FakeApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeApiServer(app);
        app.MapGet("/api/v1/nodes", (HttpContext c) => server.List(c, server._nodes, "NodeList", null));
        app.MapGet("/api/v1/nodes/{name}", (string name) => server.Get(server._nodes, name, "nodes"));
        app.MapMethods("/api/v1/nodes/{name}", ["PATCH"], (HttpContext c, string name) => server.PatchAsync(c, server._nodes, name, "nodes", admitPod: false));
        app.MapGet("/api/v1/pods", (HttpContext c) => server.List(c, server._pods, "PodList", "spec.nodeName"));
        app.MapMethods("/api/v1/namespaces/{ns}/pods/{name}", ["PATCH"], (HttpContext c, string ns, string name) => server.PatchAsync(c, server._pods, $"{ns}/{name}", "pods", admitPod: true));
        await app.StartAsync();
        server.Url = new Uri(app.Urls.First());
        return server;
    }

    /// <summary>A kubeconfig pointing at this server (plain HTTP on loopback, a bearer token).</summary>
    public string WriteKubeconfig(string path)
    {
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: fake
                cluster: {"{"} server: "{Url.ToString().TrimEnd('/')}" {"}"}
            users:
              - name: tester
                user: {"{"} token: test-token {"}"}
            contexts:
              - name: fake
                context: {"{"} cluster: fake, user: tester {"}"}
            current-context: fake
            """);
        return path;
    }

    public void AddNode(string name, string kubeletVersion, bool ready = true, IDictionary<string, string>? labels = null)
    {
        var node = new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta { Name = name, Labels = labels ?? new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } },
            Status = new V1NodeStatus
            {
                Conditions = [new V1NodeCondition { Type = "Ready", Status = ready ? "True" : "False" }],
                NodeInfo = new V1NodeSystemInfo { KubeletVersion = kubeletVersion, KubeProxyVersion = kubeletVersion },
                Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "127.0.0.1" }],
            },
        };
        Store(_nodes, name, node);
    }

    public void SetKubeletVersion(string node, string version)
    {
        lock (_lock)
        {
            _nodes[node]["status"]!["nodeInfo"]!["kubeletVersion"] = version;
        }
    }

    public void AddPod(V1Pod pod)
    {
        pod.ApiVersion = "v1";
        pod.Kind = "Pod";
        pod.Metadata.NamespaceProperty ??= "default";
        pod.Status ??= new V1PodStatus { Phase = "Running" };
        Store(_pods, $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}", pod);
    }

    public V1Node Node(string name) => Read<V1Node>(_nodes, name);

    public V1Pod Pod(string ns, string name) => Read<V1Pod>(_pods, $"{ns}/{name}");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private T Read<T>(SortedDictionary<string, JsonObject> store, string key)
    {
        lock (_lock)
        {
            return KubernetesJson.Deserialize<T>(store[key].ToJsonString());
        }
    }

    private void Store<T>(SortedDictionary<string, JsonObject> store, string key, T item)
    {
        lock (_lock)
        {
            var json = JsonNode.Parse(KubernetesJson.Serialize(item))!.AsObject();
            Stamp(json);
            store[key] = json;
        }
    }

    private void Stamp(JsonObject item)
    {
        var metadata = item["metadata"]!.AsObject();
        metadata["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
        metadata["uid"] ??= Guid.NewGuid().ToString();
    }

    private IResult List(HttpContext context, SortedDictionary<string, JsonObject> store, string kind, string? supportedField)
    {
        var query = context.Request.Query;
        var fieldSelector = query["fieldSelector"].ToString();
        (string Path, string Value)? field = null;
        if (fieldSelector.Length > 0)
        {
            var parts = fieldSelector.Split('=', 2);
            if (parts.Length != 2 || parts[0] != supportedField)
            {
                return Status(HttpStatusCode.BadRequest, "BadRequest", $"field label not supported: {parts[0]}");
            }

            field = (parts[0], parts[1]);
        }

        var labelSelector = query["labelSelector"].ToString();
        var limit = int.TryParse(query["limit"], CultureInfo.InvariantCulture, out var l) && l > 0 ? l : int.MaxValue;
        var skip = int.TryParse(query["continue"], CultureInfo.InvariantCulture, out var c) ? c : 0;
        lock (_lock)
        {
            var matching = store.Values.Where(item => (field is not { } f || FieldValue(item, f.Path) == f.Value) && LabelsMatch(item, labelSelector)).ToList();
            var page = matching.Skip(skip).Take(limit).Select(i => i.DeepClone()).ToArray();
            var metadata = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) };
            if (skip + page.Length < matching.Count)
            {
                metadata["continue"] = (skip + page.Length).ToString(CultureInfo.InvariantCulture);
            }

            return Json(new JsonObject { ["kind"] = kind, ["apiVersion"] = "v1", ["metadata"] = metadata, ["items"] = new JsonArray(page) });
        }
    }

    private IResult Get(SortedDictionary<string, JsonObject> store, string key, string resource)
    {
        lock (_lock)
        {
            return store.TryGetValue(key, out var item) ? Json(item.DeepClone()) : NotFound(resource, key);
        }
    }

    private async Task<IResult> PatchAsync(HttpContext context, SortedDictionary<string, JsonObject> store, string key, string resource, bool admitPod)
    {
        var contentType = (context.Request.ContentType ?? "").Split(';')[0].Trim();
        JsonNode? patch;
        try
        {
            patch = await JsonNode.ParseAsync(context.Request.Body);
        }
        catch (JsonException ex)
        {
            return Status(HttpStatusCode.BadRequest, "BadRequest", $"the body of the request was in an unknown format: {ex.Message}");
        }

        lock (_lock)
        {
            Writes.Add($"PATCH {context.Request.Path}");
            if (!store.TryGetValue(key, out var current))
            {
                return NotFound(resource, key);
            }

            var updated = current.DeepClone().AsObject();
            switch (contentType)
            {
                case "application/merge-patch+json":
                case "application/strategic-merge-patch+json":
                    if (patch is not JsonObject mergePatch)
                    {
                        return Status(HttpStatusCode.BadRequest, "BadRequest", "a merge patch must be a JSON object");
                    }

                    Merge(updated, mergePatch);
                    break;
                case "application/json-patch+json":
                    if (patch is not JsonArray operations || JsonPatch(updated, operations) is { } problem)
                    {
                        return Status(HttpStatusCode.UnprocessableEntity, "Invalid", patch is JsonArray ? "the JSON patch could not be applied" : "a JSON patch must be an array");
                    }

                    break;
                default:
                    return Status(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json");
            }

            if (admitPod && DefaultTolerationSeconds)
            {
                AddDefaultTolerations(updated);
            }

            Stamp(updated);
            store[key] = updated;
            return Json(updated.DeepClone());
        }
    }

    /// <summary>DefaultTolerationSeconds: a pod without them gets not-ready and unreachable NoExecute tolerations for 300 s.</summary>
    private static void AddDefaultTolerations(JsonObject pod)
    {
        var spec = pod["spec"]!.AsObject();
        var tolerations = spec["tolerations"] as JsonArray ?? [];
        spec["tolerations"] = tolerations;
        foreach (var key in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
        {
            // As the plugin does: a toleration with this key or no key, and effect NoExecute or none (operator ignored).
            var tolerated = tolerations.OfType<JsonObject>().Any(t =>
                ((string?)t["key"] is null or "" || (string?)t["key"] == key) && ((string?)t["effect"] is null or "" or "NoExecute"));
            if (!tolerated)
            {
                tolerations.Add(new JsonObject { ["key"] = key, ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 });
            }
        }
    }

    /// <summary>RFC 7386: objects merge recursively, null removes a member, anything else replaces.</summary>
    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject child && target[name] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }

    /// <summary>RFC 6902 add, replace, remove and test on object members; returns a problem or null.</summary>
    private static string? JsonPatch(JsonObject target, JsonArray operations)
    {
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var path = ((string?)operation["path"] ?? "").Split('/').Skip(1).Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
            if (path.Count == 0)
            {
                return "empty path";
            }

            var parent = path.SkipLast(1).Aggregate((JsonNode?)target, (node, name) => node?[name]) as JsonObject;
            var last = path[^1];
            var op = (string?)operation["op"];
            switch (op)
            {
                case "add" when parent is not null:
                case "replace" when parent is not null && parent.ContainsKey(last):
                    parent[last] = operation["value"]?.DeepClone();
                    break;
                case "remove" when parent is not null && parent.ContainsKey(last):
                    parent.Remove(last);
                    break;
                case "test" when parent is not null && JsonNode.DeepEquals(parent[last], operation["value"]):
                    break;
                default:
                    return $"{op} {operation["path"]} cannot be applied";
            }
        }

        return null;
    }

    private static string? FieldValue(JsonObject item, string path) =>
        path.Split('.').Aggregate((JsonNode?)item, (node, name) => node?[name]) is JsonValue value ? value.ToString() : null;

    /// <summary>Equality-based selectors: "a=b", "a==b", "a!=b", "a", "!a", comma-separated and ANDed.</summary>
    private static bool LabelsMatch(JsonObject item, string selector)
    {
        var labels = item["metadata"]?["labels"] as JsonObject;
        string? Label(string key) => (string?)labels?[key];
        return selector.Split(',', StringSplitOptions.RemoveEmptyEntries).All(term => term switch
        {
            _ when term.Contains("!=", StringComparison.Ordinal) => Label(term.Split("!=")[0]) != term.Split("!=")[1],
            _ when term.Contains('=', StringComparison.Ordinal) => Label(term.Split('=')[0]) == term.Split('=')[^1],
            _ when term.StartsWith('!') => Label(term[1..]) is null,
            _ => Label(term) is not null,
        });
    }

    /// <summary>Go's encoder, like the API server's, writes quotes as \" rather than \u0022.</summary>
    private static readonly JsonSerializerOptions Wire = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static IResult Json(JsonNode body) => Results.Text(body.ToJsonString(Wire), "application/json");

    private static IResult NotFound(string resource, string key) =>
        Status(HttpStatusCode.NotFound, "NotFound", $"{resource} \"{key.Split('/')[^1]}\" not found");

    private static IResult Status(HttpStatusCode code, string reason, string message) =>
        Results.Text(
            new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure", ["message"] = message, ["reason"] = reason, ["code"] = (int)code }.ToJsonString(Wire),
            "application/json",
            statusCode: (int)code);
}
