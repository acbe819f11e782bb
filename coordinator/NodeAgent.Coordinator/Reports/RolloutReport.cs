using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Engine;

namespace NodeAgent.Coordinator.Reports;

/// <summary>
/// One node's line in the report. Restarts counts component service restarts; ContainersRestarted is the agent's
/// zero-restart proof (null: not measured); Ready and KubeletVersion are what the Kubernetes API said at verification.
/// </summary>
internal sealed record ReportNode(
    string Node,
    string Role,
    string FromVersion,
    string ToVersion,
    double DurationSeconds,
    string Result,
    string Reason,
    int Restarts,
    string Verification,
    int? ContainersRestarted,
    int? ConnectionsBefore,
    int? ConnectionsAfter,
    bool? Ready,
    string? KubeletVersion,
    string Checks,
    IReadOnlyList<string> Notes);

/// <summary>A cluster step's record: what it found or did (etcd snapshot, silence, preflight, controllers, pods labeled).</summary>
internal sealed record ReportFact(string Step, string Result);

/// <summary>The report of a rollout, for a change ticket: JSON for tools, a fixed-width table for people.</summary>
internal sealed record RolloutReport(
    string Rollout,
    string TargetVersion,
    string State,
    string Message,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    double DurationSeconds,
    int Nodes,
    int Succeeded,
    int Failed,
    IReadOnlyList<ReportNode> NodeResults,
    IReadOnlyList<ReportFact> Cluster,
    IReadOnlyList<string> Events)
{
    public static RolloutReport From(RolloutResult result)
    {
        var r = result.Rollout;
        var nodes = result.Nodes.Select(n =>
        {
            var verified = result.Verification.FirstOrDefault(v => v.Node == n.Node);
            var checks = verified?.Checks ?? NodeChecksOf(result, n.Node);
            return new ReportNode(
                n.Node,
                n.Role,
                n.FromVersion,
                n.ToVersion,
                n.StartedAt is { } s && n.FinishedAt is { } f ? Math.Round((f - s).TotalSeconds, 1) : 0,
                n.State,
                n.Reason,
                n.Restarts,
                verified?.Detail ?? "",
                checks?.ContainersRestarted,
                checks?.ConnectionsBefore,
                checks?.ConnectionsAfter,
                verified?.Ready,
                verified?.KubeletVersion,
                checks?.Detail ?? "",
                result.Facts.Where(x => x.Scope == n.Node && x.Key != NodeChecks.FactKey).Select(x => $"{x.Key}: {x.Value}").ToList());
        }).ToList();
        var cluster = result.Facts.Where(x => x.Scope.Length == 0 && !x.Key.StartsWith('_')).Select(x => new ReportFact(x.Key, x.Value)).ToList();
        var end = r.FinishedAt ?? r.UpdatedAt;
        return new RolloutReport(r.Id, r.TargetVersion, r.State, r.Message, r.StartedAt, r.FinishedAt, Math.Round((end - r.StartedAt).TotalSeconds, 1),
            nodes.Count, nodes.Count(n => n.Result == "succeeded"), nodes.Count(n => n.Result is "failed" or "rolled-back"), nodes, cluster, result.Events);
    }

    public string ToJson() => JsonSerializer.Serialize(this, ReportJsonContext.Default.RolloutReport);

    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Rollout {Rollout}: {State} ({Message})");
        text.AppendLine(CultureInfo.InvariantCulture, $"Target {TargetVersion}; started {StartedAt:u}; took {DurationSeconds:0.0} s; {Succeeded} of {Nodes} node(s) succeeded, {Failed} failed");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"node",-24} {"role",-13} {"from",-10} {"to",-10} {"seconds",8} {"restarts",8} {"result",-12} reason");
        foreach (var n in NodeResults)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{n.Node,-24} {n.Role,-13} {Or(n.FromVersion),-10} {Or(n.ToVersion),-10} {n.DurationSeconds,8:0.0} {n.Restarts,8} {n.Result,-12} {n.Reason}");
        }

        if (Cluster.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Cluster steps");
            foreach (var fact in Cluster)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {fact.Step}: {fact.Result}");
            }
        }

        if (NodeResults.Any(n => n.Verification.Length > 0 || n.Checks.Length > 0))
        {
            text.AppendLine();
            text.AppendLine("Verification");
            text.AppendLine(CultureInfo.InvariantCulture, $"{"node",-24} {"ready",-6} {"kubelet",-10} {"containers restarted",20} {"connections",12}  detail");
            foreach (var n in NodeResults)
            {
                var connections = n.ConnectionsBefore is { } b && n.ConnectionsAfter is { } a ? $"{b} -> {a}" : "-";
                var ready = n.Ready is { } r ? (r ? "yes" : "NO") : "-";
                text.AppendLine(CultureInfo.InvariantCulture, $"{n.Node,-24} {ready,-6} {Or(n.KubeletVersion ?? ""),-10} {(n.ContainersRestarted?.ToString(CultureInfo.InvariantCulture) ?? "-"),20} {connections,12}  {n.Verification}");
                foreach (var note in n.Notes.Append(n.Checks).Where(x => x.Length > 0))
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"{"",24}   {note}");
                }
            }

            var measured = NodeResults.Where(n => n.ContainersRestarted is not null).ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"Containers restarted: {measured.Sum(n => n.ContainersRestarted)} on {measured.Count} measured node(s) of {Nodes} (target: 0 everywhere)");
        }

        return text.ToString();
    }

    /// <summary>Writes <c>&lt;rollout&gt;.json</c> and <c>&lt;rollout&gt;.txt</c> into <paramref name="directory"/>; returns the text path.</summary>
    public string Write(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, $"{Rollout}.json"), ToJson());
        var text = Path.Combine(directory, $"{Rollout}.txt");
        File.WriteAllText(text, ToText());
        return text;
    }

    private static string Or(string value) => value.Length == 0 ? "-" : value;

    private static NodeChecks? NodeChecksOf(RolloutResult result, string node) =>
        NodeChecks.Parse(result.Facts.FirstOrDefault(x => x.Scope == node && x.Key == NodeChecks.FactKey)?.Value);
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RolloutReport))]
[JsonSerializable(typeof(List<RolloutReport>))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
