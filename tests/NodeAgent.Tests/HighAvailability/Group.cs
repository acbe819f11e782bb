using NodeAgent.Tests.Coordinator;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.HighAvailability;

/// <summary>
/// The coordinators of one rollout, each a real process running <c>rollout --standby</c> on the etcd journal with a
/// 2 s lease: one leads, the others wait. Knows which one leads from what each printed.
/// </summary>
internal sealed class Group(FleetFixture fleet, string journal, string plan) : IAsyncDisposable
{
    private const string Leading = "leading rollout";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly List<DotnetProcess> _live = [];
    private readonly List<DotnetProcess> _gone = [];

    public void Add() => _live.Add(DotnetProcess.Start(
        "nodeagent-coordinator.dll",
        ["--journal", journal, "rollout", plan, "--plain", "--report-dir", fleet.Reports, "--standby", "--lease-ttl", "2s"],
        project: "coordinator/NodeAgent.Coordinator"));

    /// <summary>The process that leads now (waiting until one does), or null once every coordinator has exited.</summary>
    public async Task<DotnetProcess?> LeaderAsync()
    {
        DotnetProcess? leader = null;
        await Eventually.TrueAsync(
            () =>
            {
                leader = _live.FirstOrDefault(p => !p.HasExited && p.Output.Contains(Leading, StringComparison.Ordinal));
                return Task.FromResult(leader is not null || _live.All(p => p.HasExited));
            },
            Patience,
            "a coordinator to lead");
        return leader;
    }

    /// <summary>SIGKILL of the leader; a standby must take over.</summary>
    public void Kill(DotnetProcess leader)
    {
        leader.Kill();
        _live.Remove(leader);
        _gone.Add(leader);
    }

    /// <summary>
    /// SIGSTOP of the leader until another coordinator leads and has claimed the nodes, then SIGCONT: returns the exit
    /// code of the woken one, which must stop by itself.
    /// </summary>
    public async Task<int> FreezeUntilReplacedAsync(DotnetProcess leader)
    {
        Assert.Equal(0, NodeAgent.Native.Libc.Kill(leader.Pid, SigStop));
        try
        {
            await Eventually.TrueAsync(
                () => Task.FromResult(_live.Any(p => p != leader && !p.HasExited && p.Output.Contains("node(s) claimed with fencing number", StringComparison.Ordinal) && p.Output.Contains(Leading, StringComparison.Ordinal))),
                Patience,
                "a standby to take over from the frozen leader and claim the nodes");
        }
        finally
        {
            Assert.Equal(0, NodeAgent.Native.Libc.Kill(leader.Pid, SigCont));
        }

        Assert.True(await leader.WaitForExitAsync(Patience), $"the woken leader did not stop:\n{leader.Output}");
        _live.Remove(leader);
        _gone.Add(leader);
        return leader.ExitCode;
    }

    /// <summary>Waits until every coordinator has exited; each must have ended well (the leader's report, the standbys' "nothing to take over").</summary>
    public async Task<IReadOnlyList<string>> FinishAsync()
    {
        var problems = new List<string>();
        foreach (var process in _live)
        {
            if (!await process.WaitForExitAsync(TimeSpan.FromMinutes(4)))
            {
                problems.Add($"a coordinator did not finish:\n{process.Output}");
            }
            else if (process.ExitCode != 0)
            {
                problems.Add($"a coordinator failed by itself (exit {process.ExitCode}):\n{process.Output}");
            }
        }

        return problems;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _live.Concat(_gone))
        {
            await process.DisposeAsync();
        }
    }

    private const int SigStop = 19;
    private const int SigCont = 18;
}
