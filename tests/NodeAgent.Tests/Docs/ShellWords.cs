using System.Text;

namespace NodeAgent.Tests.Docs;

/// <summary>Command lines out of a shell code block: continuations joined, comments dropped, words split as sh does.</summary>
internal static class ShellWords
{
    /// <summary>The logical lines of a block (a line ending in a backslash continues on the next).</summary>
    public static IEnumerable<string> Lines(string block)
    {
        var pending = new StringBuilder();
        foreach (var raw in block.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.EndsWith('\\'))
            {
                pending.Append(line[..^1]).Append(' ');
                continue;
            }

            pending.Append(line);
            if (pending.ToString().Trim() is { Length: > 0 } whole)
            {
                yield return whole;
            }

            pending.Clear();
        }
    }

    /// <summary>The words of one line: single and double quotes group, a '#' that starts a word starts a comment.</summary>
    public static IReadOnlyList<string> Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in line)
        {
            if (quote is { } open)
            {
                if (c == open)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }

                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                continue;
            }

            if (c == '#' && !inWord)
            {
                break;
            }

            inWord = true;
            if (c is '"' or '\'')
            {
                quote = c;
            }
            else
            {
                word.Append(c);
            }
        }

        Assert.True(quote is null, $"unbalanced quote in: {line}");
        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
