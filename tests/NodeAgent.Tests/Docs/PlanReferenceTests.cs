using System.Text.Json;
using System.Text.RegularExpressions;
using NodeAgent.Tests.Cli;
using NodeAgent.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace NodeAgent.Tests.Docs;

/// <summary>
/// docs/coordinator/plan-reference.md cannot drift from the validator: its complete example, with an unknown key added
/// to every mapping, goes through the real <c>nodeagent-coordinator validate</c>, whose "expected one of" lists are
/// the keys the validator accepts; every one of them must have a row in the reference, and every row must be one of them.
/// </summary>
[Trait("Category", "Docs")]
public sealed partial class PlanReferenceTests
{
    private const string Probe = "zzUndocumentedProbe";
    private static readonly string Reference = Path.Combine("docs", "coordinator", "plan-reference.md");

    [Fact]
    public async Task PlanReference_AgainstTheValidator_ListsEveryAcceptedKeyAndNoOther()
    {
        var text = File.ReadAllText(Path.Combine(DocExamplesTests.RepositoryRoot(), Reference));
        var documented = Rows(text);
        using var dir = new TempDir();
        File.WriteAllText(dir.Combine("plan.yaml"), WithProbes(ExamplePlan(text)));

        var result = await CliProcess.RunAsync(CliProcess.Coordinator, ["validate", "plan.yaml", "--offline", "-o", "json"], dir.Path);

        Assert.True(result.ExitCode == 2, $"validate of the probed example: exit {result.ExitCode}\n{result.Err}");
        var accepted = AcceptedKeys(result.Err);
        Assert.True(accepted.Count > 60, $"only {accepted.Count} keys learned from the validator:\n{result.Err}");
        var undocumented = accepted.Except(documented).Order(StringComparer.Ordinal).ToList();
        var unknown = documented.Except(accepted).Order(StringComparer.Ordinal).ToList();
        Assert.True(undocumented.Count == 0, $"keys the validator accepts that {Reference} lacks: {string.Join(", ", undocumented)}");
        Assert.True(unknown.Count == 0, $"keys in {Reference} that the validator does not accept: {string.Join(", ", unknown)}");
    }

    /// <summary>The first cell of every table row that names a key: <c>| `policy.canary.count` | …</c>.</summary>
    private static HashSet<string> Rows(string text) =>
        RowKey().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    private static string ExamplePlan(string text)
    {
        var section = text[text.IndexOf("## A complete plan", StringComparison.Ordinal)..];
        return Markdown.CodeBlocks(section, "yaml")[0];
    }

    /// <summary>The example with an unknown key in every mapping, so that the validator lists what each one accepts.</summary>
    private static string WithProbes(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        AddProbes(stream.Documents[0].RootNode);
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static void AddProbes(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var child in mapping.Children.Values.ToList())
                {
                    AddProbes(child);
                }

                mapping.Add(Probe, "1");
                break;
            case YamlSequenceNode sequence:
                foreach (var child in sequence.Children)
                {
                    AddProbes(child);
                }

                break;
        }
    }

    /// <summary>From "plan.yaml:3:5: policy.soak.zz…: unknown key; expected one of a, b": policy.soak.a, policy.soak.b.</summary>
    private static HashSet<string> AcceptedKeys(string stderr)
    {
        using var json = JsonDocument.Parse(stderr);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var problem in json.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!))
        {
            if (UnknownKey().Match(problem) is { Success: true } match)
            {
                var parent = Index().Replace(match.Groups[1].Value, "[]");
                foreach (var name in match.Groups[2].Value.Split(", "))
                {
                    keys.Add(parent + name);
                }
            }
        }

        return keys;
    }

    [GeneratedRegex(@"^\| `([A-Za-z][A-Za-z0-9.\[\]-]*)` \|", RegexOptions.Multiline)]
    private static partial Regex RowKey();

    [GeneratedRegex(@": ([^ ]*?)" + Probe + ": unknown key; expected one of (.+)$")]
    private static partial Regex UnknownKey();

    [GeneratedRegex(@"\[[0-9]+\]")]
    private static partial Regex Index();
}
