using System.Text.Json;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Store;

namespace NodeAgent.Operations;

/// <summary>
/// One JSON file per operation, written with fsync + rename + directory fsync and sealed with a checksum
/// (<see cref="JournalSeal"/>). At load, recovery trusts the catalog, not the file: a record whose checksum does not
/// verify, or whose files disagree with the catalog, is set aside (quarantined) and reported, never executed.
/// </summary>
internal sealed partial class OperationJournal(AgentPaths paths, ComponentCatalog catalog, ILogger<OperationJournal> logger)
{
    private readonly JournalSeal _seal = new(paths.JournalKey);
    private readonly List<string> _warnings = [];
    private readonly HashSet<string> _quarantinedIds = new(StringComparer.Ordinal);

    /// <summary>Problems found while loading, for GetInfo.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Components whose journal could not be read: a human must look.</summary>
    public ISet<string> ComponentsNeedingAttention { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>An id whose journal file was unreadable: it stays reserved so that it can never run twice.</summary>
    public bool IsQuarantined(string id) => _quarantinedIds.Contains(id);

    /// <summary>Seals and writes a record durably; returns the sealed snapshot.</summary>
    public OperationRecord Save(OperationRecord record)
    {
        var sealedRecord = Seal(record, _seal);
        DurableFile.WriteAtomic(PathOf(record.Id), JsonSerializer.SerializeToUtf8Bytes(sealedRecord, AgentJsonContext.Default.OperationRecord));
        return sealedRecord;
    }

    /// <summary>The record with its checksum over its own bytes without one (also used by tests that arrange a journal).</summary>
    internal static OperationRecord Seal(OperationRecord record, JournalSeal seal) =>
        record with { Checksum = seal.Compute(Unsealed(record)) };

    /// <summary>Reads every journal file; an unreadable one is moved to quarantine and reported, never fatal.</summary>
    public IReadOnlyList<OperationRecord> LoadAll()
    {
        var records = new List<OperationRecord>();
        foreach (var file in Directory.EnumerateFiles(paths.Journal, "*.json"))
        {
            try
            {
                var record = JsonSerializer.Deserialize(File.ReadAllBytes(file), AgentJsonContext.Default.OperationRecord);
                if (record is null || record.Id + ".json" != Path.GetFileName(file))
                {
                    throw new JsonException("the record's id does not match its file name");
                }

                if (Distrust(record) is { } problem)
                {
                    Quarantine(file, problem, "was not trusted");
                    continue;
                }

                records.Add(record);
            }
            catch (JsonException ex)
            {
                Quarantine(file, ex.Message);
            }
        }

        foreach (var leftover in Directory.EnumerateFiles(paths.Journal, "*" + DurableFile.TempSuffix))
        {
            File.Delete(leftover);
        }

        if (Directory.Exists(paths.Quarantine))
        {
            foreach (var earlier in Directory.EnumerateFiles(paths.Quarantine, "*.json").Where(f => !_quarantinedIds.Contains(Path.GetFileNameWithoutExtension(f))))
            {
                Remember(earlier);
                _warnings.Add($"journal file {Path.GetFileName(earlier)} was set aside as unreadable earlier ({earlier}); delete it once its component has been checked");
            }
        }

        return records;
    }

    /// <summary>
    /// Why a record must not be trusted: a checksum that does not verify (an edit), none on an unfinished record (it
    /// would be executed; finished ones from agents before the checksum are kept as history), or files whose path,
    /// mode or kind differ from the catalog's entry for their role (recovery takes paths and modes from the catalog only).
    /// </summary>
    private string? Distrust(OperationRecord record)
    {
        if (record.Checksum is null)
        {
            return record.IsTerminal ? null : "the unfinished record has no checksum; it was not written by this agent";
        }

        if (!_seal.Verify(Unsealed(record), record.Checksum))
        {
            return "its checksum does not match its content: the file was edited after the agent wrote it";
        }

        return catalog.Find(record.Component) is { } component ? JournalTrust.Disagreement(record, component) : null;
    }

    private static byte[] Unsealed(OperationRecord record) =>
        JsonSerializer.SerializeToUtf8Bytes(record with { Checksum = null }, AgentJsonContext.Default.OperationRecord);

    private void Quarantine(string file, string problem, string verdict = "could not be read")
    {
        Directory.CreateDirectory(paths.Quarantine);
        var target = Path.Combine(paths.Quarantine, Path.GetFileName(file));
        File.Move(file, target, overwrite: true);
        Remember(target);
        var warning = $"journal file {Path.GetFileName(file)} {verdict} ({problem}); moved to {target}, nothing in it was executed";
        _warnings.Add(warning);
        LogQuarantined(file, target, problem);
    }

    private void Remember(string quarantined)
    {
        _quarantinedIds.Add(Path.GetFileNameWithoutExtension(quarantined));
        if (GuessComponent(quarantined) is { } component)
        {
            ComponentsNeedingAttention.Add(component);
        }
    }

    /// <summary>Finds the component of a damaged record from its text, when the damage left that much.</summary>
    private static string? GuessComponent(string file)
    {
        var text = File.ReadAllText(file);
        const string key = "\"component\": \"";
        var start = text.IndexOf(key, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += key.Length;
        var end = text.IndexOf('"', start);
        return end > start ? text[start..end] : null;
    }

    private string PathOf(string id) => Path.Combine(paths.Journal, id + ".json");

    [LoggerMessage(EventId = 200, Level = LogLevel.Critical, Message = "Journal file {File} was set aside as {Target} and not executed ({Problem}). Check the component it names by hand")]
    private partial void LogQuarantined(string file, string target, string problem);
}
