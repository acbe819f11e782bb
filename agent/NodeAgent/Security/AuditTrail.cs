using NodeAgent.Files;

namespace NodeAgent.Security;

/// <summary>
/// One rotating audit file set: <c>NAME.jsonl</c> and up to five older files (<c>NAME.1.jsonl</c> the newest).
/// Appends are fsynced; files are opened without following links and created 0600. The caller serialises access.
/// </summary>
internal sealed class AuditTrail(string directory, string name, long maxBytes)
{
    /// <summary>How many rotated files are kept besides the current one.</summary>
    public const int Generations = 5;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Generation(int n) => Path.Combine(directory, n == 0 ? $"{name}.jsonl" : $"{name}.{n}.jsonl");

    public void Append(ReadOnlySpan<byte> line)
    {
        Directory.CreateDirectory(directory, OwnerOnly | UnixFileMode.UserExecute);
        using var file = NoFollow.OpenAppend(Generation(0), OwnerOnly);
        if (file.Length > maxBytes)
        {
            file.Dispose();
            Rotate();
            using var fresh = NoFollow.OpenAppend(Generation(0), OwnerOnly);
            Write(fresh, line);
            return;
        }

        Write(file, line);
    }

    /// <summary>Every line of every generation, newest first.</summary>
    public IEnumerable<string> NewestFirst() => Enumerable.Range(0, Generations + 1).SelectMany(n => ReverseLines.Read(Generation(n)));

    private void Rotate()
    {
        for (var n = Generations; n > 0; n--)
        {
            if (File.Exists(Generation(n - 1)))
            {
                File.Move(Generation(n - 1), Generation(n), overwrite: true);
            }
        }
    }

    private static void Write(FileStream file, ReadOnlySpan<byte> line)
    {
        file.Write(line);
        file.Flush(flushToDisk: true);
    }
}
