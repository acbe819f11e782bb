using System.CommandLine;
using System.CommandLine.Parsing;

namespace NodeAgent.CommandLine;

/// <summary>"did you mean …?" for a mistyped command or flag, by edit distance to what the command accepts.</summary>
internal static class Suggestions
{
    /// <summary>The hint for a parse that failed: a suggestion when a token is close to a known one, else the help to read.</summary>
    public static string Hint(ParseResult parse, string program)
    {
        var command = parse.CommandResult.Command;
        var candidates = command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name))
            .Concat(Options(parse.CommandResult).SelectMany(o => o.Aliases.Prepend(o.Name)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (var token in Unknown(parse))
        {
            if (Closest(token, candidates) is { } match)
            {
                return $"did you mean '{match}'? (see '{PathOf(parse.CommandResult, program)} --help')";
            }
        }

        return $"see '{PathOf(parse.CommandResult, program)} --help'";
    }

    /// <summary>
    /// Words the parser could not place: unmatched ones, and flag-shaped words it took as an argument value
    /// (<c>status --jornal x</c> reads "--jornal" as the rollout id and leaves "x" unmatched).
    /// </summary>
    public static IReadOnlyList<string> Unknown(ParseResult parse)
    {
        var options = parse.CommandResult.Command.Options.Concat(parse.RootCommandResult.Command.Options).SelectMany(o => o.Aliases.Prepend(o.Name)).ToHashSet(StringComparer.Ordinal);
        return parse.Tokens
            .Where(t => t.Type == TokenType.Argument && t.Value.StartsWith('-') && t.Value.Length > 1 && !options.Contains(t.Value.Split('=', ':')[0]))
            .Select(t => t.Value)
            .Concat(parse.UnmatchedTokens)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The candidate nearest to <paramref name="typed"/> within a distance that still reads as a typo.</summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        var limit = Math.Max(1, typed.TrimStart('-').Length / 3);
        return candidates
            .Select(c => (Candidate: c, Distance: Distance(typed, c)))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Candidate, StringComparer.Ordinal)
            .Select(c => c.Candidate)
            .FirstOrDefault();
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    /// <summary>"agentctl marker show": the words an operator types to reach this command.</summary>
    public static string PathOf(CommandResult result, string program)
    {
        var names = new List<string>();
        for (SymbolResult? current = result; current is not null; current = current.Parent)
        {
            if (current is CommandResult command)
            {
                names.Insert(0, command.Parent is null ? program : command.Command.Name);
            }
        }

        return string.Join(' ', names);
    }

    private static IEnumerable<Option> Options(CommandResult result)
    {
        foreach (var option in result.Command.Options.Where(o => !o.Hidden))
        {
            yield return option;
        }

        for (var parent = result.Parent as CommandResult; parent is not null; parent = parent.Parent as CommandResult)
        {
            foreach (var option in parent.Command.Options.Where(o => o.Recursive && !o.Hidden))
            {
                yield return option;
            }
        }
    }
}
