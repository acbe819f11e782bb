using Grpc.Core;
using NodeAgent.Contracts.V1;

namespace NodeAgent.Tests.Infrastructure;

/// <summary>The agent as a real separate process (dotnet nodeagent.dll), so that it can be killed with SIGKILL.</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly DotnetProcess _process;

    private AgentProcess(DotnetProcess process) => _process = process;

    public string Output => _process.Output;

    /// <summary>Starts the agent and waits until it answers (crash recovery done), or until it dies.</summary>
    public static async Task<AgentProcess> StartAsync(TestNode node, string? failpoints = null)
    {
        var environment = failpoints is null ? null : new Dictionary<string, string> { ["NODEAGENT_FAILPOINTS"] = failpoints };
        var agent = new AgentProcess(DotnetProcess.Start("nodeagent.dll", ["--config", node.ConfigPath], environment));
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
