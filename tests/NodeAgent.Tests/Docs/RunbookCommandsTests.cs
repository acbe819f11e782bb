using System.CommandLine;
using AgentCtl;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Tests.Cli;

namespace NodeAgent.Tests.Docs;

/// <summary>
/// Every agentctl and nodeagent-coordinator line in the runbook's shell blocks is one the real command trees accept:
/// parsed by the same parsers the programs use (commands, flags, arity, durations, output formats), without running it.
/// </summary>
[Trait("Category", "Docs")]
public sealed class RunbookCommandsTests
{
    private static readonly string Runbook = Path.Combine("docs", "runbook.md");

    [Fact]
    public void RunbookCommandLines_ParsedByTheRealClis_HaveNoErrors()
    {
        var lines = CommandLines();
        var problems = new List<string>();

        foreach (var words in lines)
        {
            var root = words[0] == CliProcess.AgentCtl ? AgentCtlApp.Build() : CoordinatorCli.Build();
            var parse = root.Parse(words.Skip(1).ToArray());
            if (parse.Errors.Count > 0)
            {
                problems.Add($"{string.Join(' ', words)}\n  {string.Join("; ", parse.Errors.Select(e => e.Message))}");
            }
            else if (parse.CommandResult.Command is RootCommand)
            {
                problems.Add($"{string.Join(' ', words)}\n  names no command");
            }
        }

        Assert.True(lines.Count(w => w[0] == CliProcess.AgentCtl) >= 15, $"{Runbook} has fewer agentctl lines than expected: {lines.Count}");
        Assert.True(lines.Count(w => w[0] == CliProcess.Coordinator) >= 15, $"{Runbook} has fewer nodeagent-coordinator lines than expected: {lines.Count}");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void RunbookCommandLines_AMistypedFlag_IsCaught()
    {
        var parse = CoordinatorCli.Build().Parse(["rollout", "plan.yaml", "--metrics-prot", "9466"]);

        Assert.NotEmpty(parse.Errors);
    }

    /// <summary>The words of every line of the runbook's sh blocks that runs one of our two CLIs.</summary>
    private static List<IReadOnlyList<string>> CommandLines()
    {
        var text = File.ReadAllText(Path.Combine(DocExamplesTests.RepositoryRoot(), Runbook));
        return [.. Markdown.CodeBlocks(text, "sh")
            .SelectMany(ShellWords.Lines)
            .Select(ShellWords.Split)
            .Select(words => words.Count > 0 && words[0] == "sudo" ? words.Skip(1).ToList() : words)
            .Where(words => words.Count > 0 && words[0] is CliProcess.AgentCtl or CliProcess.Coordinator)];
    }
}
