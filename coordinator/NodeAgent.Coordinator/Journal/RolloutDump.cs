using System.Globalization;
using System.Text.Json.Serialization;

namespace NodeAgent.Coordinator.Journal;

/// <summary>One rollout with everything its journal holds, as <c>journal export</c> writes it and <c>journal import</c> reads it.</summary>
internal sealed record RolloutDump(int Format, RolloutRecord Rollout, int Runs, bool CanaryGatePassed, IReadOnlyList<NodeRecord> Nodes, IReadOnlyList<DumpedEvent> Events, IReadOnlyList<JournalFact> Facts)
{
    public const int CurrentFormat = 2;

    /// <summary>Reads every part of <paramref name="rollout"/> from <paramref name="journal"/>; null when it has no such rollout.</summary>
    public static RolloutDump? From(IRolloutJournal journal, string rollout) =>
        journal.Find(rollout) is not { } record
            ? null
            : new RolloutDump(CurrentFormat, record, journal.Runs(rollout), journal.CanaryGatePassed(rollout), journal.Nodes(rollout), [.. journal.Events(rollout).Select(DumpedEvent.Parse)], journal.Facts(rollout));
}

/// <summary>An event with its time apart from its text.</summary>
internal sealed record DumpedEvent(DateTimeOffset Time, string Message)
{
    /// <summary>Splits "TIME MESSAGE" as <see cref="IRolloutJournal.Events"/> returns it.</summary>
    public static DumpedEvent Parse(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return new DumpedEvent(DateTimeOffset.Parse(line[..space], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), line[(space + 1)..]);
    }

    public string Line => $"{Time.ToString("O", CultureInfo.InvariantCulture)} {Message}";
}

/// <summary>Source-generated JSON for dumps and for the etcd journal's values (trim- and AOT-safe).</summary>
[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RolloutDump))]
[JsonSerializable(typeof(RolloutRecord))]
[JsonSerializable(typeof(NodeRecord))]
[JsonSerializable(typeof(JournalFact))]
[JsonSerializable(typeof(Etcd.EtcdNodeValue))]
[JsonSerializable(typeof(Etcd.LeaderValue))]
[JsonSerializable(typeof(Etcd.EtcdRolloutValue))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;
