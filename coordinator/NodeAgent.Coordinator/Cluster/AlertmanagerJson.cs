using System.Text.Json.Serialization;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>The body of POST /api/v2/silences; with an id it updates (or, if expired, replaces) that silence.</summary>
internal sealed record PostableSilence(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id,
    IReadOnlyList<SilenceMatcher> Matchers,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string CreatedBy,
    string Comment);

/// <summary>The answer to POST /api/v2/silences.</summary>
internal sealed record PostSilenceResponse([property: JsonPropertyName("silenceID")] string SilenceId);

/// <summary>A silence's status in GET answers.</summary>
internal sealed record GettableSilenceStatus(string State);

/// <summary>One silence in GET /api/v2/silence/{id} and GET /api/v2/silences.</summary>
internal sealed record GettableSilence(
    string Id,
    GettableSilenceStatus Status,
    IReadOnlyList<SilenceMatcher> Matchers,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string CreatedBy,
    string Comment)
{
    public Silence ToSilence() => new(Id, Status.State, StartsAt, EndsAt, Comment);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PostableSilence))]
[JsonSerializable(typeof(PostSilenceResponse))]
[JsonSerializable(typeof(GettableSilence))]
[JsonSerializable(typeof(List<GettableSilence>))]
internal sealed partial class AlertmanagerJsonContext : JsonSerializerContext;
