using NodeAgent.Configuration;
using NodeAgent.Services;

namespace NodeAgent.Tests.Services;

/// <summary>
/// The Windows service manager cannot run here (no Service Control Manager); its pure part, the mapping of SCM states
/// onto the states the rest of the agent reads, is tested, as is the refusal of "windows" on Linux.
/// </summary>
[Trait("Category", "RealSystemd")]
public sealed class WindowsServiceStatesTests
{
    [Theory]
    [InlineData(WindowsServiceStates.Running, 4242, 0, 0, true, 4242, "active", "running", "success")]
    [InlineData(WindowsServiceStates.StartPending, 4242, 0, 0, false, 0, "activating", "start-pending", "success")]
    [InlineData(WindowsServiceStates.StopPending, 4242, 0, 0, false, 0, "deactivating", "stop-pending", "success")]
    [InlineData(WindowsServiceStates.Stopped, 0, 0, 0, false, 0, "inactive", "stopped", "success")]
    [InlineData(WindowsServiceStates.Stopped, 0, WindowsServiceStates.ServiceSpecificError, 3, false, 0, "failed", "stopped", "exit-code 3")]
    [InlineData(WindowsServiceStates.Stopped, 0, 1067, 0, false, 0, "failed", "stopped", "win32-error 1067")]
    [InlineData(WindowsServiceStates.Stopped, 0, WindowsServiceStates.NeverStarted, 0, false, 0, "inactive", "stopped", "success")]
    [InlineData(WindowsServiceStates.Paused, 4242, 0, 0, false, 0, "inactive", "paused", "success")]
    [InlineData(99, 1, 0, 0, false, 0, "unknown", "state-99", "success")]
    public void ScmStates_MapOntoTheAgentsServiceStatus(int state, int pid, int win32, int specific, bool active, long mainPid, string activeState, string subState, string result)
    {
        var status = WindowsServiceStates.ToStatus(state, pid, win32, specific);
        Assert.Equal(new ServiceStatus(active, mainPid, activeState, subState, result), status);
    }

    [Theory]
    [InlineData(WindowsServiceStates.Running, true)]
    [InlineData(WindowsServiceStates.Stopped, true)]
    [InlineData(WindowsServiceStates.Paused, true)]
    [InlineData(WindowsServiceStates.StartPending, false)]
    [InlineData(WindowsServiceStates.StopPending, false)]
    public void OnlyRunningStoppedAndPaused_AreSettled(int state, bool settled) => Assert.Equal(settled, WindowsServiceStates.IsSettled(state));

    [Fact]
    public void WindowsServiceManager_IsRefusedOnLinux_WithWhatToUseInstead()
    {
        var result = new AgentOptionsValidator().Validate(null, new AgentOptions
        {
            ServiceManager = "windows",
            StateDir = "/var/lib/nodeagent",
            Components = [new ComponentOptions { Name = "kubelet", Unit = "kubelet", Files = [new ComponentFileOptions { Role = "binary", Path = "/usr/bin/kubelet" }] }],
        });
        Assert.Contains("ServiceManager: \"windows\" does not run on this operating system; use \"systemd\" or \"process\"", result.FailureMessage, StringComparison.Ordinal);
    }
}
