using System.Text.Json;
using Microsoft.Extensions.Logging;
using NodeAgent.Files;
using NodeAgent.Store;

namespace NodeAgent.Operations;

/// <summary>One JSON file per operation, written with fsync + rename + directory fsync.</summary>
internal sealed partial class OperationJournal(AgentPaths paths, ILogger<OperationJournal> logger)
{
    private readonly List<string> _warnings = [];
    private readonly HashSet<string> _quarantinedIds = new(StringComparer.Ordinal);

    /// <summary>Problems found while loading, for GetInfo.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Components whose journal could not be read: a human must look.</summary>
    public ISet<string> ComponentsNeedingAttention { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>An id whose journal file was unreadable: it stays reserved so that it can never run twice.</summary>
    public bool IsQuarantined(string id) => _quarantinedIds.Contains(id);

    public void Save(OperationRecord record) =>
        DurableFile.WriteAtomic(PathOf(record.Id), JsonSerializer.SerializeToUtf8Bytes(record, AgentJsonContext.Default.OperationRecord));

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

    private void Quarantine(string file, string problem)
    {
        Directory.CreateDirectory(paths.Quarantine);
        var target = Path.Combine(paths.Quarantine, Path.GetFileName(file));
        File.Move(file, target, overwrite: true);
        Remember(target);
        var warning = $"journal file {Path.GetFileName(file)} could not be read ({problem}); moved to {target}";
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

    [LoggerMessage(EventId = 200, Level = LogLevel.Critical, Message = "Journal file {File} could not be read ({Problem}); set aside as {Target}. Check the component it names by hand")]
    private partial void LogQuarantined(string file, string target, string problem);
}
