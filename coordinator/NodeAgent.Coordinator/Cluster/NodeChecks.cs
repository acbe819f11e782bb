using System.Text.Json;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Journal;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// What a node's agent measured around its applies: containers restarted (the zero-restart proof) and API server
/// connections before and after. Null counts mean not measured.
/// </summary>
internal sealed record NodeChecks(int? ContainersRestarted, int? ConnectionsBefore, int? ConnectionsAfter, string Detail)
{
    public const string FactKey = "checks";

    public static NodeChecks From(IEnumerable<Operation> applies)
    {
        int? restarted = null;
        int? before = null;
        int? after = null;
        var detail = new List<string>();
        foreach (var op in applies)
        {
            if (op.Containers is { Measured: true } containers)
            {
                restarted = (restarted ?? 0) + containers.Restarted.Count;
                detail.Add($"{op.Component}: containers {containers.RunningBefore} running before, {containers.RunningAfter} after, {containers.Restarted.Count} restarted"
                    + string.Concat(containers.Restarted.Select(r => $" [{r.PodNamespace}/{r.PodName}/{r.ContainerName}: {r.Reason}]")));
            }
            else if (op.Containers is { Problem.Length: > 0 } unmeasured)
            {
                detail.Add($"{op.Component}: containers not measured ({unmeasured.Problem})");
            }

            if (op.Connections is { Measured: true } connections)
            {
                before = (before ?? 0) + connections.Before;
                after = (after ?? 0) + connections.After;
                detail.Add($"{op.Component}: API server connections {connections.Before} -> {connections.After}");
            }
            else if (op.Connections is { Problem.Length: > 0 } uncounted)
            {
                detail.Add($"{op.Component}: connections not counted ({uncounted.Problem})");
            }
        }

        return new NodeChecks(restarted, before, after, string.Join("; ", detail));
    }

    public static NodeChecks? Read(IRolloutJournal journal, string rollout, string node) => Parse(journal.Fact(rollout, node, FactKey));

    /// <summary>The journaled JSON, or null when absent or unreadable (a journal written by another version).</summary>
    public static NodeChecks? Parse(string? json)
    {
        try
        {
            return json is null ? null : JsonSerializer.Deserialize(json, ClusterJsonContext.Default.NodeChecks);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Write(IRolloutJournal journal, string rollout, string node) =>
        journal.SetFact(rollout, node, FactKey, JsonSerializer.Serialize(this, ClusterJsonContext.Default.NodeChecks));

    /// <summary>Whether the connection count grew by more than <paramref name="factor"/> (from at least one connection).</summary>
    public bool ConnectionsGrewBeyond(double factor) =>
        ConnectionsBefore is { } b && ConnectionsAfter is { } a && a > Math.Max(b, 1) * factor;
}
