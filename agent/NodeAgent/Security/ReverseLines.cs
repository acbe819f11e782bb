using System.Text;

namespace NodeAgent.Security;

/// <summary>
/// Reads a file's lines from the last to the first in fixed blocks, so that listing the newest audit entries never
/// holds a whole file in memory. A line longer than <see cref="MaxLine"/> bytes is skipped (no entry is that long).
/// </summary>
internal static class ReverseLines
{
    public const int MaxLine = 64 * 1024;

    private const int Block = 64 * 1024;

    public static IEnumerable<string> Read(string path)
    {
        using var stream = OpenOrNull(path);
        if (stream is null)
        {
            yield break;
        }

        var block = new byte[Block];
        var pending = Array.Empty<byte>();
        var oversized = false;
        var position = stream.Length;
        while (position > 0)
        {
            var count = (int)Math.Min(Block, position);
            position -= count;
            stream.Position = position;
            stream.ReadExactly(block, 0, count);
            var combined = new byte[count + pending.Length];
            block.AsSpan(0, count).CopyTo(combined);
            pending.CopyTo(combined, count);
            var end = combined.Length;
            for (var i = combined.Length - 1; i >= 0; i--)
            {
                if (combined[i] != (byte)'\n')
                {
                    continue;
                }

                if (!oversized && end > i + 1 && end - i - 1 <= MaxLine)
                {
                    yield return Encoding.UTF8.GetString(combined, i + 1, end - i - 1);
                }

                oversized = false;
                end = i;
            }

            pending = combined[..end];
            if (pending.Length > MaxLine)
            {
                oversized = true;
                pending = [];
            }
        }

        if (!oversized && pending.Length > 0)
        {
            yield return Encoding.UTF8.GetString(pending);
        }
    }

    private static FileStream? OpenOrNull(string path)
    {
        try
        {
            return Files.NoFollow.OpenRead(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }
}
