using NodeAgent.Tests.Cli;
using NodeAgent.Tests.Docs;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Security;

/// <summary>
/// The fuzz harness (<c>tests/Fuzz</c>, run under afl-fuzz by <c>scripts/fuzz.sh</c>) as a real process in its replay
/// mode: its seed corpus loads or is refused cleanly by both parsers, and a mistyped target is refused with the usage.
/// The rule it applies to each input is the property tier's (<see cref="PropertyTierTests"/> loads its generated
/// plans and configs through the same <c>ParserTargets</c>).
/// </summary>
[Trait("Category", "Security")]
public sealed class FuzzHarnessTests
{
    [Theory]
    [InlineData("plan")]
    [InlineData("config")]
    public async Task Replay_SeedCorpus_EveryInputLoadsOrIsRefusedCleanly(string target)
    {
        var corpus = Path.Combine(DocExamplesTests.RepositoryRoot(), "tests", "Fuzz", "corpus", target);
        var count = Directory.GetFiles(corpus).Length;

        var result = await CliProcess.RunAsync(CliProcess.Fuzz, [target, "--replay", corpus], corpus);

        Assert.True(result.ExitCode == 0, result.Out + result.Err);
        Assert.Contains($"{target}: {count} input(s) replayed, 0 finding(s)", result.Out, StringComparison.Ordinal);
        Assert.True(count >= 3, $"the {target} corpus has {count} seeds");
    }

    [Fact]
    public async Task Run_UnknownTarget_RefusedWithTheUsage()
    {
        using var dir = new TempDir();
        var input = dir.Combine("input");
        await File.WriteAllTextAsync(input, "nodeName: n1\n");

        var result = await CliProcess.RunAsync(CliProcess.Fuzz, ["nosuch", "--replay", input], dir.Path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("targets: plan, config", result.Err, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }
}
