using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.Coordinator.Engine;

namespace NodeAgent.Coordinator.Reports;

/// <summary>One node's line in the report.</summary>
internal sealed record ReportNode(string Node, string Role, string FromVersion, string ToVersion, double DurationSeconds, string Result, string Reason, int Restarts, string Verification);

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
    IReadOnlyList<string> Events)
{
    public static RolloutReport From(RolloutResult result)
    {
        var r = result.Rollout;
        var nodes = result.Nodes.Select(n => new ReportNode(
            n.Node,
            n.Role,
            n.FromVersion,
            n.ToVersion,
            n.StartedAt is { } s && n.FinishedAt is { } f ? Math.Round((f - s).TotalSeconds, 1) : 0,
            n.State,
            n.Reason,
            n.Restarts,
            result.Verification.FirstOrDefault(v => v.Node == n.Node)?.Detail ?? "")).ToList();
        var end = r.FinishedAt ?? r.UpdatedAt;
        return new RolloutReport(r.Id, r.TargetVersion, r.State, r.Message, r.StartedAt, r.FinishedAt, Math.Round((end - r.StartedAt).TotalSeconds, 1),
            nodes.Count, nodes.Count(n => n.Result == "succeeded"), nodes.Count(n => n.Result is "failed" or "rolled-back"), nodes, result.Events);
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
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RolloutReport))]
[JsonSerializable(typeof(List<RolloutReport>))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
