using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// Creates, extends and expires one kind of silence through Alertmanager's API v2. Behaviour of Alertmanager 0.25
/// this relies on: a POST with the id of an active silence updates it in place and keeps the id, but with the id of
/// an expired one creates a new silence (new id); DELETE of an expired silence answers 200, of an unknown one 500.
/// </summary>
internal sealed class AlertSilences(HttpClient http, SilenceOptions options, TimeProvider time)
{
    private readonly Uri _api = ApiRoot(options);

    public async Task<Silence> CreateAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = await PostAsync(id: null, now, cancellationToken);
        return await ReadBackAsync(id, cancellationToken);
    }

    /// <summary>The silence, or null when Alertmanager does not know it.</summary>
    public async Task<Silence?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, SilencePath(id), content: null, cancellationToken);
        if (status == HttpStatusCode.NotFound)
        {
            return null;
        }

        return Parse(Check("GET silence " + id, status, body), AlertmanagerJsonContext.Default.GettableSilence).ToSilence();
    }

    /// <summary>Moves the end to now + Duration; an expired silence comes back as a new one with a new id.</summary>
    public async Task<Silence> ExtendAsync(string id, CancellationToken cancellationToken)
    {
        var existing = await GetAsync(id, cancellationToken)
            ?? throw new CoordinatorException($"Alertmanager at {options.Url} has no silence {id} to extend");
        var now = time.GetUtcNow();

        // An active silence keeps its start, so Alertmanager updates it in place rather than replacing it.
        var startsAt = existing.State == "expired" ? now : existing.StartsAt;
        var newId = await PostAsync(id, startsAt, cancellationToken);
        return await ReadBackAsync(newId, cancellationToken);
    }

    /// <summary>Ends the silence now; one already expired, or unknown to Alertmanager, is left as it is.</summary>
    public async Task ExpireAsync(string id, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Delete, SilencePath(id), content: null, cancellationToken);
        if (IsSuccess(status))
        {
            return;
        }

        // Alertmanager 0.25 answers 500 "silence not found" for an unknown id: ask what it really has.
        var current = await GetAsync(id, cancellationToken);
        if (current is not null && current.State != "expired")
        {
            Check("DELETE silence " + id, status, body);
        }
    }

    /// <summary>The silences (of any state) with exactly the configured matchers, created by the configured creator.</summary>
    public async Task<IReadOnlyList<Silence>> ListAsync(CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "silences", content: null, cancellationToken);
        var all = Parse(Check("GET silences", status, body), AlertmanagerJsonContext.Default.ListGettableSilence);
        return all
            .Where(s => s.CreatedBy == options.CreatedBy && s.Matchers.ToHashSet().SetEquals(options.Matchers))
            .Select(s => s.ToSilence())
            .ToList();
    }

    private static Uri ApiRoot(SilenceOptions options)
    {
        var problems = SilenceOptions.Validate(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"invalid silence options: {string.Join("; ", problems)}", nameof(options));
        }

        var root = options.Url.AbsoluteUri;
        return new Uri(root.EndsWith('/') ? root : root + "/", UriKind.Absolute);
    }

    private static string SilencePath(string id) => "silence/" + Uri.EscapeDataString(id);

    private async Task<string> PostAsync(string? id, DateTimeOffset startsAt, CancellationToken cancellationToken)
    {
        var silence = new PostableSilence(id, options.Matchers, startsAt, time.GetUtcNow() + options.Duration, options.CreatedBy, options.Comment);
        using var content = JsonContent.Create(silence, AlertmanagerJsonContext.Default.PostableSilence);
        var (status, body) = await SendAsync(HttpMethod.Post, "silences", content, cancellationToken);
        return Parse(Check("POST silences", status, body), AlertmanagerJsonContext.Default.PostSilenceResponse).SilenceId;
    }

    private async Task<Silence> ReadBackAsync(string id, CancellationToken cancellationToken) =>
        await GetAsync(id, cancellationToken)
            ?? throw new CoordinatorException($"Alertmanager at {options.Url} accepted silence {id} but does not know it when asked");

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_api, "api/v2/" + path)) { Content = content };
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (HttpRequestException ex)
        {
            throw new CoordinatorException($"Alertmanager at {options.Url} did not answer {method} {path}: {ex.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CoordinatorException($"Alertmanager at {options.Url} did not answer {method} {path} within {http.Timeout.TotalSeconds:0.#} s");
        }
    }

    private string Check(string what, HttpStatusCode status, string body) =>
        IsSuccess(status)
            ? body
            : throw new CoordinatorException($"Alertmanager at {options.Url} refused {what}: HTTP {(int)status} {status}: {Excerpt.Of(body)}");

    private static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;

    private T Parse<T>(string body, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new CoordinatorException($"Alertmanager at {options.Url} answered what is not API v2 JSON ({ex.Message}): {Excerpt.Of(body)}");
        }
    }
}
