using System.Text.Json;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cli;

/// <summary>
/// The usual mistakes of a new operator, typed into the real programs: each ends with its documented exit code,
/// one line (and at most a hint) on stderr without a stack trace, nothing created on disk, and a JSON object on
/// stderr when the command line asks for JSON.
/// </summary>
[Trait("Category", "Cli")]
public sealed class CliMistakesTests
{
    private const string Ctl = CliProcess.AgentCtl;
    private const string Coord = CliProcess.Coordinator;
    private const string Agent = CliProcess.Agent;

    public static TheoryData<string, string[], int, string> Mistakes() => new()
    {
        { Ctl, ["stauts"], 2, "did you mean 'status'" },
        { Ctl, ["status", "--prob"], 2, "did you mean '--probe'" },
        { Ctl, ["marker", "shwo", "kubelet"], 2, "did you mean 'show'" },
        { Ctl, ["status", "--adress", "unix:/x"], 2, "did you mean '--address'" },
        { Ctl, ["status", "--address", "::1:7443"], 2, "IPv6 addresses go in brackets: [::1]:7443" },
        { Ctl, ["status", "--address", "node-7"], 2, "has no port" },
        { Ctl, ["status", "--address", "https://node-7:7443"], 2, "is a URL" },
        { Ctl, ["status", "--address", "10.0.0.1:99999"], 2, "not a port from 1 to 65535" },
        { Ctl, ["status", "--address", "[nothex]:7443"], 2, "is not an IPv6 address" },
        { Ctl, ["status", "--socket", "./missing.sock"], 5, "no such socket" },
        { Ctl, ["status", "--address", "unix:./missing.sock", "-o", "json"], 5, "no such socket" },
        { Ctl, ["status", "--address", "127.0.0.1:1"], 5, "no agent listening (connection refused)" },
        { Ctl, ["version", "--socket", "./missing.sock"], 5, "cannot reach the agent" },
        { Ctl, ["apply", "kubelet", "--version", "v1.17.0", "--file", "binary=./k", "--health-timeout", "60"], 2, "has no unit: write 60s" },
        { Ctl, ["apply", "kubelet", "--version", "v1.17.0", "--file", "binary=./k", "--connection-soak", "5x", "-o", "json"], 2, "is not a duration" },
        { Ctl, ["apply", "kubelet", "--version", "v1.17.0", "--file", "nonsense"], 2, "expected ROLE=SHA256 or ROLE=PATH" },
        { Ctl, ["apply", "kubelet", "--version", "v1.17.0", "--file", "binary=./missing", "--socket", "./missing.sock"], 2, "no such file" },
        { Ctl, ["apply", "kubelet"], 2, "--file" },
        { Ctl, ["audit", "--since-minutes", "5"], 2, "unknown flag '--since-minutes'" },
        { Ctl, ["audit", "--since", "90"], 2, "has no unit" },
        { Ctl, ["certs", "ca", "--socket", "x", "--out", "o"], 2, "unknown flag '--socket'" },
        { Ctl, ["certs", "agent", "node-1", "--ca-dir", "./nope", "--out", "./o"], 2, "certs:" },
        { Ctl, ["status", "-o", "xml"], 2, "not an output format" },
        { Ctl, ["status", "--tls-ca", "ca.pem", "--address", "127.0.0.1:1"], 2, "go together" },
        { Ctl, ["stage", "./missing.bin"], 2, "no such file" },
        { Ctl, ["stage", "."], 2, "is a directory" },
        { Ctl, ["ops", "--limit", "many"], 2, "many" },
        { Ctl, ["op"], 2, "'agentctl op' needs <id>" },
        { Ctl, ["completion", "fish"], 2, "fish" },
        { Coord, ["stauts"], 2, "did you mean 'status'" },
        { Coord, ["rolout", "plan.yaml"], 2, "did you mean 'rollout'" },
        { Coord, ["status", "--jornal", "x"], 2, "did you mean '--journal'" },
        { Coord, ["status", "--journal", "."], 2, "is a directory" },
        { Coord, ["status", "--journal", "/proc/nope/journal.db"], 3, "no journal at /proc/nope/journal.db" },
        { Coord, ["status", "--journal", "./missing.db"], 3, "no journal at" },
        { Coord, ["status", "r1", "--journal", "./missing.db", "-o", "yaml"], 3, "no journal at" },
        { Coord, ["pause", "r1", "--journal", "./missing.db", "-o", "json"], 3, "no journal at" },
        { Coord, ["resume", "r1", "--journal", "./missing.db"], 3, "the first 'rollout' creates it" },
        { Coord, ["abort", "r1", "--journal", "./garbage.db"], 2, "is not a rollout journal" },
        { Coord, ["validate", "./missing.yaml"], 2, "no such plan file" },
        { Coord, ["validate", "."], 2, "is a directory, not a plan file" },
        { Coord, ["validate", "empty.yaml"], 2, "the file is empty" },
        { Coord, ["validate", "tabs.yaml"], 2, "tabs.yaml:3:1: a tab in the indentation" },
        { Coord, ["validate", "bad.yaml", "-o", "json"], 2, "problems" },
        { Coord, ["validate", "bad.yaml"], 2, "problems" },
        { Coord, ["validate", "plan.yaml", "--journal", "x"], 2, "unknown flag '--journal'" },
        { Coord, ["status", "-o", "xml", "--journal", "./missing.db"], 2, "not an output format" },
        { Coord, ["stage", "./missing.yaml"], 2, "no such plan file" },
        { Coord, ["rollout", "./missing.yaml", "--log-format", "json"], 2, "no such plan file" },
        { Coord, ["validate"], 2, "'nodeagent-coordinator validate' needs <plan>" },
        { Coord, ["completion", "fish"], 2, "fish" },
        { Agent, ["--config", "relative/agent.yaml"], 2, "relative/agent.yaml does not exist" },
        { Agent, ["--config", "."], 2, "is a directory" },
        { Agent, ["--config"], 2, "needs a path" },
        { Agent, ["--bogus"], 2, "unknown argument '--bogus'" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public async Task Mistake_RealProcess_OneLineDocumentedCodeNothingCreated(string program, string[] args, int exitCode, string says)
    {
        using var dir = new TempDir();
        Prepare(dir);
        var before = Listing(dir.Path);

        var result = await CliProcess.RunAsync(program, args, dir.Path);

        Assert.True(result.ExitCode == exitCode, $"exit {result.ExitCode}, expected {exitCode}\nstdout: {result.Out}\nstderr: {result.Err}");
        Assert.DoesNotContain("   at ", result.Err + result.Out, StringComparison.Ordinal);
        Assert.Contains(says, result.Err, StringComparison.Ordinal);
        Assert.Equal(before, Listing(dir.Path));
        var lines = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains(": warning: ", StringComparison.Ordinal)).ToList();
        if (args.Contains("json"))
        {
            Assert.Equal("", result.Out);
            using var error = JsonDocument.Parse(result.Err);
            Assert.Equal(exitCode, error.RootElement.GetProperty("code").GetInt32());
            Assert.False(string.IsNullOrEmpty(error.RootElement.GetProperty("error").GetString()));
        }
        else if (!says.Equals("problems", StringComparison.Ordinal))
        {
            Assert.InRange(lines.Count, 1, 2);
            Assert.StartsWith($"{program}: ", lines[0], StringComparison.Ordinal);
            Assert.True(lines.Count == 1 || lines[1].StartsWith("hint: ", StringComparison.Ordinal), result.Err);
        }
    }

    [Theory]
    [InlineData(Ctl, "--help", "Usage:")]
    [InlineData(Coord, "--help", "Usage:")]
    [InlineData(Agent, "--help", "Usage:")]
    [InlineData(Ctl, "--version", "0.1.0")]
    [InlineData(Coord, "--version", "0.1.0")]
    [InlineData(Agent, "--version", "nodeagent 0.1.0")]
    public async Task HelpAndVersion_EveryProgram_ExitZeroOnStdout(string program, string flag, string says)
    {
        using var dir = new TempDir();

        var result = await CliProcess.RunAsync(program, [flag], dir.Path);

        Assert.True(result.ExitCode == 0, result.Err);
        Assert.Contains(says, result.Out, StringComparison.Ordinal);
    }

    /// <summary>What the mistakes need: plans broken in known ways, and a file that is not a journal.</summary>
    private static void Prepare(TempDir dir)
    {
        File.WriteAllText(dir.Combine("empty.yaml"), "");
        File.WriteAllText(dir.Combine("tabs.yaml"), "rollout: r1\ntargetVersion: v1.17.0\n\tartifacts: []\n");
        File.WriteAllText(dir.Combine("bad.yaml"), "rollout: r1\ntargetVersion: seventeen\nartifacts:\n  - name: kubelet\n    sha256: nothex\n    size: 10\n    source: ./k\n");
        File.WriteAllText(dir.Combine("plan.yaml"), "rollout: r1\n");
        File.WriteAllBytes(dir.Combine("garbage.db"), [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))]);
    }

    private static List<string> Listing(string root) =>
        [.. Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Select(p => $"{p} {(File.Exists(p) ? new FileInfo(p).Length : -1)}").Order(StringComparer.Ordinal)];
}
