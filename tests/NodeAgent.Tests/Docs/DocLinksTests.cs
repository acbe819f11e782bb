using System.Text.Json;
using NodeAgent.Tests.Cli;

namespace NodeAgent.Tests.Docs;

/// <summary>README.md and docs/ hold together: every relative link reaches a file and a heading, every JSON sample parses.</summary>
[Trait("Category", "Docs")]
public sealed class DocLinksTests
{
    /// <summary>
    /// Pages other branches of this round add; linked from the index before they land. Until then a link to one is
    /// reported, not failed; once the file exists its links and anchors are checked like any other.
    /// </summary>
    [Fact]
    public void RelativeLinks_InReadmeAndDocs_ResolveToFilesAndHeadings()
    {
        var root = DocExamplesTests.RepositoryRoot();
        var broken = new List<string>();
        var checkedLinks = 0;

        foreach (var file in Markdown.Files(root))
        {
            var text = File.ReadAllText(Path.Combine(root, file));
            foreach (var link in Markdown.Links(text).Where(l => !l.Contains("://", StringComparison.Ordinal) && !l.StartsWith("mailto:", StringComparison.Ordinal)))
            {
                checkedLinks++;
                if (Problem(root, file, text, link) is { } problem)
                {
                    broken.Add($"{file}: ({link}) {problem}");
                }
            }
        }

        Assert.True(checkedLinks > 100, $"only {checkedLinks} relative links found: is the docs folder there?");
        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    [Fact]
    public void Readme_AsTheEntryPoint_StaysUnderTwoHundredLines()
    {
        var lines = File.ReadAllLines(Path.Combine(DocExamplesTests.RepositoryRoot(), "README.md")).Length;

        Assert.True(lines < 200, $"README.md has {lines} lines: move the detail into docs/ and link it");
    }

    [Fact]
    public void JsonSamples_InReadmeAndDocs_Parse()
    {
        var root = DocExamplesTests.RepositoryRoot();
        var blocks = Markdown.Files(root).SelectMany(f => Markdown.CodeBlocks(File.ReadAllText(Path.Combine(root, f)), "json").Select(b => (File: f, Block: b))).ToList();

        Assert.NotEmpty(blocks);
        foreach (var (file, block) in blocks)
        {
            var ex = Record.Exception(() => JsonDocument.Parse(block).Dispose());
            Assert.True(ex is null, $"{file}: a json block does not parse: {ex?.Message}\n{block}");
        }
    }

    private static string? Problem(string root, string file, string text, string link)
    {
        var hash = link.IndexOf('#', StringComparison.Ordinal);
        var path = hash < 0 ? link : link[..hash];
        var anchor = hash < 0 ? null : link[(hash + 1)..];
        var target = path.Length == 0 ? file : Path.GetRelativePath(root, Path.GetFullPath(Path.Combine(root, Path.GetDirectoryName(file)!, path)));
        var full = Path.Combine(root, target);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            return $"{target} does not exist";
        }

        if (anchor is null || !target.EndsWith(".md", StringComparison.Ordinal))
        {
            return null;
        }

        var anchors = Markdown.Anchors(path.Length == 0 ? text : File.ReadAllText(full));
        return anchors.Contains(anchor) ? null : $"{target} has no heading #{anchor}";
    }
}
