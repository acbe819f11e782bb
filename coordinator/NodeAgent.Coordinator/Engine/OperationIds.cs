using System.Security.Cryptography;
using System.Text;

namespace NodeAgent.Coordinator.Engine;

/// <summary>
/// Operation ids derived from the rollout, node, component and attempt: a retry of the same step always sends
/// the same id, so the agent never runs it twice. Ids longer than the agent's 128 characters are shortened with
/// a hash that keeps them unique.
/// </summary>
internal static class OperationIds
{
    private const int MaxLength = 128;

    public static string For(string rollout, string node, string component, string action, int attempt)
    {
        var id = $"{rollout}:{node}:{component}:{action}:{attempt}";
        if (id.Length <= MaxLength)
        {
            return id;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..24];
        return $"{rollout[..Math.Min(rollout.Length, 40)]}:{hash}:{action}:{attempt}";
    }
}
