using System.Text;
using System.Text.RegularExpressions;

namespace NodeAgent.Tests.Docs;

/// <summary>What the documentation tests read from the Markdown files: their links, headings and code blocks.</summary>
internal static partial class Markdown
{
    /// <summary>README.md and every Markdown file under docs/, as paths relative to the repository root.</summary>
    public static IReadOnlyList<string> Files(string root) =>
    [
        "README.md",
        .. Directory.EnumerateFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f))
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>The targets of inline links outside code, as written (<c>../x.md#anchor</c>).</summary>
    public static IEnumerable<string> Links(string text) =>
        LinkPattern().Matches(InlineCode().Replace(FencedBlock().Replace(text, ""), "")).Select(m => m.Groups[1].Value);

    /// <summary>The anchors GitHub makes for the headings of a file.</summary>
    public static ISet<string> Anchors(string text)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match heading in HeadingPattern().Matches(FencedBlock().Replace(text, "")))
        {
            var slug = Slug(heading.Groups[1].Value);
            var unique = slug;
            for (var n = 1; !anchors.Add(unique); n++)
            {
                unique = $"{slug}-{n}";
            }
        }

        return anchors;
    }

    /// <summary>GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens.</summary>
    public static string Slug(string heading)
    {
        var slug = new StringBuilder();
        foreach (var c in heading.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }

    /// <summary>The contents of the fenced code blocks of a language (<c>sh</c>, <c>json</c>, <c>yaml</c>).</summary>
    public static IReadOnlyList<string> CodeBlocks(string text, string language) =>
        [.. FencedBlock().Matches(text).Where(m => m.Groups[1].Value == language).Select(m => m.Groups[2].Value)];

    [GeneratedRegex(@"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex("`[^`\n]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex("^```([a-z]*)\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex("^#{1,6} +(.+?) *$", RegexOptions.Multiline)]
    private static partial Regex HeadingPattern();
}
