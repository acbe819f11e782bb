using System.Text.RegularExpressions;
using NodeAgent.Tests.Coordinator;
using NodeAgent.Tests.Infrastructure;
using NodeAgent.Tests.Operations;

namespace NodeAgent.Tests.Cli;

/// <summary>The operator docs' example sessions, line by line, as real processes against a real agent and a real fleet.</summary>
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

        await RunSessionAsync(Path.Combine("docs", "agent", "agentctl.md"), CliProcess.AgentCtl, work.Path, new Dictionary<string, string> { ["NODEAGENT_SOCKET"] = node.Socket });
    }

    [Fact]
    public async Task CoordinatorDocSession_EveryLine_ExitsZero()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 3, controlPlane: 1);
        File.Copy(fleet.WritePlan(new PlanOptions { Rollout = "upgrade-v1.17" }), fleet.Dir.Combine("plan.yaml"));

        await RunSessionAsync(Path.Combine("docs", "coordinator", "cli.md"), CliProcess.Coordinator, fleet.Dir.Path);
    }

    private static async Task RunSessionAsync(string doc, string program, string directory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var lines = SessionLines(Path.Combine(RepositoryRoot(), doc), program);

        Assert.True(lines.Count >= 5, $"the session in {doc} has {lines.Count} lines");
        foreach (var line in lines)
        {
            var result = await CliProcess.RunAsync(program, Words(line)[1..], directory, environment);
            Assert.True(result.ExitCode == 0, $"{line}\nexit {result.ExitCode}\n{result.Out}\n{result.Err}");
        }
    }

    /// <summary>The lines of the sh block under "## A session" that run <paramref name="program"/>.</summary>
    private static List<string> SessionLines(string file, string program)
    {
        var text = File.ReadAllText(file);
        var block = SessionBlock().Match(text);
        Assert.True(block.Success, $"{file} has no ```sh block under ## A session");
        return [.. block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith(program + " ", StringComparison.Ordinal))];
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
