using Grpc.Core;
using NodeAgent.Contracts.V1;

namespace NodeAgent.Tests.Infrastructure;

/// <summary>The agent as a real separate process (dotnet nodeagent.dll), so that it can be killed with SIGKILL.</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly DotnetProcess _process;

    private AgentProcess(DotnetProcess process) => _process = process;

    public string Output => _process.Output;

    /// <summary>The agent's umask as /proc shows it, for example "0077".</summary>
    public string Umask() =>
        File.ReadLines($"/proc/{_process.Pid}/status").Single(line => line.StartsWith("Umask:", StringComparison.Ordinal))["Umask:".Length..].Trim();

    /// <summary>The agent's peak resident set size so far (VmHWM), in bytes.</summary>
    public long PeakRssBytes() =>
        File.ReadLines($"/proc/{_process.Pid}/status").Where(line => line.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(line => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024).Single();

    /// <summary>
    /// Starts the agent (nodeagent.dll, or <paramref name="executable"/>: a native agent such as the packaged NativeAOT
    /// build) with extra environment <paramref name="variables"/>, and waits until it answers (crash recovery done), or until it dies.
    /// </summary>
    public static async Task<AgentProcess> StartAsync(TestNode node, string? failpoints = null, IReadOnlyDictionary<string, string>? variables = null, string? executable = null)
    {
        var environment = new Dictionary<string, string>(variables ?? new Dictionary<string, string>());
        if (failpoints is not null)
        {
            environment["NODEAGENT_FAILPOINTS"] = failpoints;
        }

        string[] args = ["--config", node.ConfigPath];
        var agent = new AgentProcess(executable is null ? DotnetProcess.Start("nodeagent.dll", args, environment) : DotnetProcess.StartNative(executable, args, environment));
        await Eventually.TrueAsync(() => agent.AnswersAsync(node), TimeSpan.FromSeconds(60), "the agent process to answer");
        return agent;
    }

    /// <summary>kill -9.</summary>
    public void Kill() => _process.Kill();

    public Task<bool> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private async Task<bool> AnswersAsync(TestNode node)
    {
        if (_process.HasExited)
        {
            return true;
        }

        try
        {
            await node.Client.GetInfoAsync(new GetInfoRequest(), deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(2));
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }
}
