using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NodeAgent.Operations;
using NodeAgent.Validation;
using V1 = NodeAgent.Contracts.V1;

namespace NodeAgent.Claims;

/// <summary>The gRPC adapter of the node claim: check the request, call the store, map the claim back.</summary>
internal sealed partial class ClaimGrpcService(ClaimStore claims, TimeProvider time) : V1.NodeClaimService.NodeClaimServiceBase
{
    private static readonly TimeSpan MinTtl = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxTtl = TimeSpan.FromHours(1);

    public override Task<V1.GetClaimResponse> GetClaim(V1.GetClaimRequest request, ServerCallContext context) =>
        Task.FromResult(new V1.GetClaimResponse { Claim = ToProto(claims.Current) });

    public override Task<V1.AcquireClaimResponse> AcquireClaim(V1.AcquireClaimRequest request, ServerCallContext context)
    {
        CheckOwner(request.RolloutId, request.JournalId, request.Fencing, "");
        Check("holder", request.Holder, 256);
        var ttl = request.Ttl?.ToTimeSpan() ?? TimeSpan.Zero;
        if (ttl < MinTtl || ttl > MaxTtl)
        {
            throw AgentException.Invalid("ttl", $"must be between {MinTtl.TotalSeconds:0} s and {MaxTtl.TotalMinutes:0} min, not {ttl.TotalSeconds:0.###} s");
        }

        return Task.FromResult(new V1.AcquireClaimResponse { Claim = ToProto(claims.Acquire(request.RolloutId, request.JournalId, request.Holder, request.Fencing, ttl)) });
    }

    public override Task<V1.ReleaseClaimResponse> ReleaseClaim(V1.ReleaseClaimRequest request, ServerCallContext context)
    {
        var claim = request.Claim ?? throw AgentException.Invalid("claim", "is required (rollout_id, journal_id, fencing)");
        CheckOwner(claim.RolloutId, claim.JournalId, claim.Fencing, "claim.");
        return Task.FromResult(new V1.ReleaseClaimResponse { Released = claims.Release(claim.RolloutId, claim.JournalId, claim.Fencing) });
    }

    public override Task<V1.BreakClaimResponse> BreakClaim(V1.BreakClaimRequest request, ServerCallContext context)
    {
        if (request.RolloutId.Length > 0)
        {
            CheckRollout(request.RolloutId, "rollout_id");
        }

        return Task.FromResult(new V1.BreakClaimResponse { Claim = ToProto(claims.Break(request.RolloutId)) });
    }

    private static void CheckOwner(string rolloutId, string journalId, long fencing, string prefix)
    {
        CheckRollout(rolloutId, prefix + "rollout_id");
        Check(prefix + "journal_id", journalId, 128);
        if (fencing < 1)
        {
            throw AgentException.Invalid(prefix + "fencing", $"must be at least 1, not {fencing}");
        }
    }

    private static void CheckRollout(string rolloutId, string field)
    {
        if (!RolloutIdPattern().IsMatch(rolloutId))
        {
            throw AgentException.Invalid(field, $"\"{InputRules.Shorten(rolloutId)}\" is not a rollout id (letters, digits, '.', '_', '-'; at most 64)");
        }
    }

    private static void Check(string field, string value, int max)
    {
        if (value.Length == 0 || value.Length > max || value.Any(char.IsControl))
        {
            throw AgentException.Invalid(field, $"must be 1 to {max} printable characters, not \"{InputRules.Shorten(value)}\"");
        }
    }

    private V1.NodeClaim? ToProto(ClaimRecord? claim) => claim is null ? null : new V1.NodeClaim
    {
        RolloutId = claim.RolloutId,
        JournalId = claim.JournalId,
        Holder = claim.Holder,
        Fencing = claim.Fencing,
        AcquiredAt = Timestamp.FromDateTimeOffset(claim.AcquiredAt),
        ExpiresAt = Timestamp.FromDateTimeOffset(claim.ExpiresAt),
        Expired = claim.ExpiresAt <= time.GetUtcNow(),
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z")]
    private static partial Regex RolloutIdPattern();
}
