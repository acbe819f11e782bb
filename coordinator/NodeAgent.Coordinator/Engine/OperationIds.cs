using System.Security.Cryptography;
using System.Text;
using NodeAgent.Client.Shapes;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// Operation ids derived from the rollout, node, component and attempt: a retry of the same step always sends
/// the same id, so the agent never runs it twice. Ids longer than the agent's 128 characters are shortened with
/// a hash that keeps them unique.
/// </summary>
internal static class OperationIds
{
    public static string For(string rollout, string node, string component, string action, int attempt)
    {
        var id = $"{rollout}:{node}:{component}:{action}:{attempt}";
        if (id.Length <= AgentLimits.MaxIdLength)
        {
            return id;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..24];
        return $"{Prefix(rollout)}{hash}:{action}:{attempt}";
    }

    /// <summary>
    /// Whether an operation id was made by <see cref="For"/> for <paramref name="rollout"/>. Both forms start with the
    /// rollout id (its first 40 characters for a shortened one) and a colon; rollout ids have no colon, so another
    /// rollout matches only if the two share their first 40 characters.
    /// </summary>
    public static bool BelongsTo(string rollout, string operationId) =>
        operationId.StartsWith(rollout + ":", StringComparison.Ordinal) || operationId.StartsWith(Prefix(rollout), StringComparison.Ordinal);

    private static string Prefix(string rollout) => $"{rollout[..Math.Min(rollout.Length, 40)]}:";
}
