using System.Text.Json;
using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Operations;

namespace NodeAgent.Claims;

/// <summary>
/// The node's claim: which rollout owns this node, journaled (fsync + rename) in <c>&lt;state&gt;/claims/claim.json</c>
/// before any answer says it is held, with the highest fencing number seen for each rollout and journal, so that a
/// coordinator run that was replaced by a newer one is refused even after an agent restart.
/// </summary>
internal sealed class ClaimStore
{
    private const int MaxRemembered = 1000;
    private readonly string _path;
    private readonly AgentIdentity _identity;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private ClaimFile _state;

    public ClaimStore(AgentOptions options, AgentIdentity identity, TimeProvider time)
    {
        _path = Path.Combine(options.StateDir, "claims", "claim.json");
        _identity = identity;
        _time = time;
        _state = Load(_path);
    }

    public ClaimRecord? Current
    {
        get
        {
            lock (_lock)
            {
                return _state.Claim;
            }
        }
    }

    public ClaimRecord Acquire(string rolloutId, string journalId, string holder, long fencing, TimeSpan ttl)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_state.Claim is { } other && !other.SameOwner(rolloutId, journalId) && other.ExpiresAt > now)
            {
                throw Owned(other, now);
            }

            CheckFencing(rolloutId, journalId, fencing);
            var mine = _state.Claim is { } held && held.SameOwner(rolloutId, journalId) && held.Holder == holder && held.Fencing == fencing ? held : null;
            var claim = new ClaimRecord(rolloutId, journalId, holder, fencing, mine?.AcquiredAt ?? now, now + ttl);
            var highest = new Dictionary<string, long>(_state.HighestFencing, StringComparer.Ordinal) { [Key(rolloutId, journalId)] = fencing };
            Save(new ClaimFile(claim, Trim(highest, claim)));
            return claim;
        }
    }

    /// <summary>Gives up the caller's own claim; false when the node has none of that rollout and journal.</summary>
    public bool Release(string rolloutId, string journalId, long fencing)
    {
        lock (_lock)
        {
            if (_state.Claim is not { } held || !held.SameOwner(rolloutId, journalId))
            {
                return false;
            }

            CheckFencing(rolloutId, journalId, fencing);
            Save(_state with { Claim = null });
            return true;
        }
    }

    /// <summary>Removes the claim whoever holds it (an admin's decision); the fencing numbers seen are kept.</summary>
    public ClaimRecord? Break(string? rolloutId)
    {
        lock (_lock)
        {
            if (_state.Claim is not { } held || (rolloutId is { Length: > 0 } && held.RolloutId != rolloutId))
            {
                return null;
            }

            Save(_state with { Claim = null });
            return held;
        }
    }

    /// <summary>Refuses a mutating call that acts for a rollout that does not hold this node, or for a replaced run of it.</summary>
    public void Check(string rolloutId, string journalId, long fencing)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (_state.Claim is not { } held)
            {
                throw new AgentException(AgentErrorKind.FailedPrecondition, $"node {_identity.NodeName} is not claimed by rollout {rolloutId}; acquire the claim (AcquireClaim) before changing anything");
            }

            if (!held.SameOwner(rolloutId, journalId))
            {
                throw held.ExpiresAt > now
                    ? Owned(held, now)
                    : new AgentException(AgentErrorKind.FailedPrecondition, $"node {_identity.NodeName} is not claimed by rollout {rolloutId} (the expired claim is {held.Describe(now)}); acquire the claim before changing anything");
            }

            CheckFencing(rolloutId, journalId, fencing);
        }
    }

    private void CheckFencing(string rolloutId, string journalId, long fencing)
    {
        if (_state.HighestFencing.TryGetValue(Key(rolloutId, journalId), out var highest) && fencing < highest)
        {
            throw new AgentException(
                AgentErrorKind.FailedPrecondition,
                $"fencing number {fencing} of rollout {rolloutId} is lower than {highest}, the highest node {_identity.NodeName} has seen for it: a newer coordinator run took the rollout over, and this one must stop");
        }
    }

    private AgentException Owned(ClaimRecord other, DateTimeOffset now) =>
        new(AgentErrorKind.FailedPrecondition, $"node {_identity.NodeName} belongs to {other.Describe(now)}; wait until that rollout ends, or if its coordinator is gone for good release the node with agentctl claim release");

    private static string Key(string rolloutId, string journalId) => $"{rolloutId} {journalId}";

    /// <summary>Keeps the file bounded: the current owner's number always, others while there is room.</summary>
    private static Dictionary<string, long> Trim(Dictionary<string, long> highest, ClaimRecord claim)
    {
        if (highest.Count <= MaxRemembered)
        {
            return highest;
        }

        var keep = Key(claim.RolloutId, claim.JournalId);
        return highest.Where(h => h.Key == keep).Concat(highest.Where(h => h.Key != keep).Take(MaxRemembered - 1)).ToDictionary(StringComparer.Ordinal);
    }

    private void Save(ClaimFile state)
    {
        DurableFile.WriteAtomic(_path, JsonSerializer.SerializeToUtf8Bytes(state, ClaimJsonContext.Default.ClaimFile), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _state = state;
    }

    private static ClaimFile Load(string path)
    {
        if (!File.Exists(path))
        {
            return new ClaimFile(null, new Dictionary<string, long>(StringComparer.Ordinal));
        }

        // Written only by rename after fsync: a file that does not parse is damage, not a half-written claim; refusing to
        // start says so instead of silently forgetting who owns the node.
        var state = JsonSerializer.Deserialize(File.ReadAllBytes(path), ClaimJsonContext.Default.ClaimFile)
            ?? throw new InvalidDataException($"{path} is empty; remove it if no rollout owns this node");
        return state with { HighestFencing = new Dictionary<string, long>(state.HighestFencing, StringComparer.Ordinal) };
    }
}
