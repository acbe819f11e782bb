using System.Text.RegularExpressions;
using NodeAgent.Tests.Infrastructure;
using NodeAgent.Tests.Operations;

namespace NodeAgent.Tests.Cli;

/// <summary>The operator docs' example session, line by line, as real agentctl processes against a real agent.</summary>
[Trait("Category", "Cli")]
public sealed partial class DocExamplesTests
{
    [Fact]
    public async Task AgentctlDocSession_EveryLine_ExitsZero()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { GcMinAgeHours = 0 });
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        await ApplyTests.HealthyStatusAsync(node, "kube-proxy");
        using var work = new TempDir();
        File.Copy(node.Artifact("kubelet-v1.17.0"), work.Combine("kubelet-v1.17.0"));
        var lines = SessionLines(Path.Combine(RepositoryRoot(), "docs", "agent", "agentctl.md"));

        Assert.True(lines.Count >= 10, $"the session in docs/agent/agentctl.md has {lines.Count} lines");
        foreach (var line in lines)
        {
            var result = await CliProcess.RunAsync(CliProcess.AgentCtl, Words(line)[1..], work.Path, new Dictionary<string, string> { ["NODEAGENT_SOCKET"] = node.Socket });
            Assert.True(result.ExitCode == 0, $"{line}\nexit {result.ExitCode}\n{result.Out}\n{result.Err}");
        }
    }

    /// <summary>The lines of the sh block under "## A session".</summary>
    private static List<string> SessionLines(string file)
    {
        var text = File.ReadAllText(file);
        var block = SessionBlock().Match(text);
        Assert.True(block.Success, $"{file} has no ```sh block under ## A session");
        return [.. block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("agentctl ", StringComparison.Ordinal))];
    }

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NodeAgent.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("NodeAgent.sln not found above the test output");
    }

    [GeneratedRegex("## A session.*?```sh\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SessionBlock();
}
