using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cli;

/// <summary>The generated completion scripts, loaded into a real bash and asked what they complete.</summary>
[Trait("Category", "Cli")]
public sealed class CompletionTests
{
    [Theory]
    [InlineData(CliProcess.AgentCtl, "sta", "status stage start")]
    [InlineData(CliProcess.AgentCtl, "marker s", "show")]
    [InlineData(CliProcess.AgentCtl, "status --pr", "--probe")]
    [InlineData(CliProcess.AgentCtl, "status -o ", "human wide json yaml")]
    [InlineData(CliProcess.Coordinator, "rol", "rollout")]
    [InlineData(CliProcess.Coordinator, "status --jo", "--journal")]
    public async Task BashCompletion_PartialWord_CompletesFromTheCommandTree(string program, string typed, string expected)
    {
        using var dir = new TempDir();
        var script = await CliProcess.RunAsync(program, ["completion", "bash"], dir.Path);
        File.WriteAllText(dir.Combine("completion.bash"), script.Out);
        var words = $"{program} {typed}".Split(' ');
        var function = "_" + program.Replace('-', '_');
        var probe = $"source completion.bash; COMP_WORDS=({string.Join(' ', words.Select(w => $"'{w}'"))}); COMP_CWORD={words.Length - 1}; {function}; echo \"${{COMPREPLY[*]}}\"";

        var result = await RunBashAsync(dir.Path, probe);

        Assert.Equal(0, script.ExitCode);
        Assert.Equal(expected, result.Trim());
    }

    [Fact]
    public async Task ZshCompletion_Script_IsACompdefFunction()
    {
        using var dir = new TempDir();

        var script = await CliProcess.RunAsync(CliProcess.AgentCtl, ["completion", "zsh"], dir.Path);

        Assert.Equal(0, script.ExitCode);
        Assert.StartsWith("#compdef agentctl\n", script.Out, StringComparison.Ordinal);
        Assert.Contains("\"marker\") words_=(show write clear", script.Out, StringComparison.Ordinal);
    }

    private static async Task<string> RunBashAsync(string directory, string command)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash", ["--norc", "-c", command]) { WorkingDirectory = directory, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
