using System.Globalization;
using System.Text;
using System.Text.Json;
using NodeAgent.Configuration;
using NodeAgent.Files;

namespace NodeAgent.Marker;

/// <summary>
/// Reads and writes a component's hash-skip marker atomically. A marker that exists keeps its old version and
/// start time on every later write: retries and second upgrades never lose the original cluster version.
/// </summary>
internal static class MarkerFile
{
    private const string OldVersionKey = "NODEAGENT_OLD_VERSION";
    private const string StartedKey = "NODEAGENT_UPGRADE_STARTED_AT";
    private const string TargetKey = "NODEAGENT_TARGET_VERSION";
    private const string OperationKey = "NODEAGENT_OPERATION_ID";
    private static readonly UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static MarkerContent? Read(MarkerSpec spec)
    {
        if (!File.Exists(spec.Path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(spec.Path);
        try
        {
            return spec.Format == "env" ? ParseEnv(Encoding.UTF8.GetString(bytes)) : JsonSerializer.Deserialize(bytes, AgentJsonContext.Default.MarkerContent);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException)
        {
            throw new InvalidDataException($"marker {spec.Path} is not a valid {spec.Format} marker: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the marker, merged with an existing one; returns what was written.</summary>
    public static MarkerContent Write(MarkerSpec spec, MarkerContent wanted)
    {
        var existing = TryRead(spec);
        var content = existing is null ? wanted : wanted with { OldVersion = existing.OldVersion, UpgradeStartedAt = existing.UpgradeStartedAt };
        DurableFile.WriteAtomic(spec.Path, Serialize(spec.Format, content), Mode);
        return content;
    }

    /// <summary>Puts back the exact bytes a marker had before (or removes it if there was none).</summary>
    public static void Restore(MarkerSpec spec, byte[]? previous)
    {
        if (previous is null)
        {
            Clear(spec);
        }
        else
        {
            DurableFile.WriteAtomic(spec.Path, previous, Mode);
        }
    }

    public static bool Clear(MarkerSpec spec)
    {
        if (!File.Exists(spec.Path))
        {
            return false;
        }

        File.Delete(spec.Path);
        DurableFile.SyncDirectory(Path.GetDirectoryName(spec.Path)!);
        return true;
    }

    private static MarkerContent? TryRead(MarkerSpec spec)
    {
        try
        {
            return Read(spec);
        }
        catch (InvalidDataException)
        {
            // A damaged marker carries no old version worth keeping; the new one replaces it.
            return null;
        }
    }

    private static byte[] Serialize(string format, MarkerContent content)
    {
        if (format != "env")
        {
            return JsonSerializer.SerializeToUtf8Bytes(content, AgentJsonContext.Default.MarkerContent);
        }

        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{OldVersionKey}={content.OldVersion}\n")
            .Append(CultureInfo.InvariantCulture, $"{StartedKey}={content.UpgradeStartedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}\n")
            .Append(CultureInfo.InvariantCulture, $"{TargetKey}={content.TargetVersion}\n")
            .Append(CultureInfo.InvariantCulture, $"{OperationKey}={content.OperationId}\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static MarkerContent ParseEnv(string text)
    {
        var values = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.Ordinal);
        return new MarkerContent(
            values[OldVersionKey],
            DateTimeOffset.Parse(values[StartedKey], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            values[TargetKey],
            values[OperationKey]);
    }
}
