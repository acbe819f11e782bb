using System.Diagnostics;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cli;

/// <summary>The three programs an operator types (and the fuzz harness), run as real processes in a chosen directory, with their output.</summary>
internal static class CliProcess
{
    public const string AgentCtl = "agentctl";
    public const string Coordinator = "nodeagent-coordinator";
    public const string Agent = "nodeagent";
    public const string Fuzz = "nodeagent-fuzz";

    public static async Task<CliResult> RunAsync(string program, IReadOnlyList<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(StandIn.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Dll(program));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("NODEAGENT_SOCKET");
        start.Environment.Remove("NODEAGENT_COORDINATOR_JOURNAL");
        start.Environment.Remove("NODEAGENT_CONFIG");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }

    private static string Dll(string program) => program switch
    {
        AgentCtl => DotnetProcess.ProjectOutput("agent/AgentCtl", "agentctl.dll"),
        Coordinator => DotnetProcess.ProjectOutput("coordinator/NodeAgent.Coordinator", "nodeagent-coordinator.dll"),
        Fuzz => DotnetProcess.ProjectOutput("tests/Fuzz", "nodeagent-fuzz.dll"),
        _ => Path.Combine(AppContext.BaseDirectory, "nodeagent.dll"),
    };
}
