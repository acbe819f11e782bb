using System.Text.Json.Serialization;

namespace NodeAgent.Claims;

/// <summary>A rollout's hold on this node, as journaled in <c>&lt;state&gt;/claims/claim.json</c>.</summary>
internal sealed record ClaimRecord(string RolloutId, string JournalId, string Holder, long Fencing, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt)
{
    /// <summary>Whether the claim belongs to the same rollout recorded in the same journal (runs of one rollout share it).</summary>
    public bool SameOwner(string rolloutId, string journalId) =>
        string.Equals(RolloutId, rolloutId, StringComparison.Ordinal) && string.Equals(JournalId, journalId, StringComparison.Ordinal);

    public string Describe(DateTimeOffset now) =>
        $"rollout {RolloutId} (journal {JournalId}, holder {Holder}, fencing number {Fencing}, {(ExpiresAt > now ? $"until {ExpiresAt:u}" : $"expired at {ExpiresAt:u}")})";
}

/// <summary>The file's content: the claim, and the highest fencing number seen per rollout and journal.</summary>
internal sealed record ClaimFile(ClaimRecord? Claim, Dictionary<string, long> HighestFencing);

/// <summary>Source-generated JSON for the claim file (trim- and AOT-safe).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ClaimFile))]
internal sealed partial class ClaimJsonContext : JsonSerializerContext;
