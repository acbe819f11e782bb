using System.Diagnostics;
using System.Text;
using Grpc.Core;
using NodeAgent.Contracts.V1;

namespace NodeAgent.Tests.Infrastructure;

/// <summary>The agent as a real separate process (dotnet nodeagent.dll), so that it can be killed with SIGKILL.</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the agent and waits until it answers (crash recovery done), or until it dies.</summary>
    public static async Task<AgentProcess> StartAsync(TestNode node, string? failpoints = null)
    {
        var start = new ProcessStartInfo(StandIn.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "nodeagent.dll"));
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(node.ConfigPath);
        if (failpoints is not null)
        {
            start.Environment["NODEAGENT_FAILPOINTS"] = failpoints;
        }

        var agent = new AgentProcess(Process.Start(start)!);
        await Eventually.TrueAsync(() => agent.AnswersAsync(node), TimeSpan.FromSeconds(60), "the agent process to answer");
        return agent;
    }

    /// <summary>kill -9.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM: a graceful stop (the process manager stops the stand-ins it supervises).</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _ = Mono.Unix.Native.Syscall.kill(_process.Id, Mono.Unix.Native.Signum.SIGTERM);
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(30)))
            {
                Kill();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

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

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
