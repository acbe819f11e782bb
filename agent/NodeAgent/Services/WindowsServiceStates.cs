namespace NodeAgent.Services;

/// <summary>
/// The Service Control Manager's view of a service, in the agent's terms. Pure, so it is tested on every platform;
/// <see cref="WindowsServiceManager"/> feeds it what QueryServiceStatusEx returns.
/// </summary>
internal static class WindowsServiceStates
{
    /// <summary>SERVICE_STATUS_PROCESS.dwCurrentState values (winsvc.h).</summary>
    public const int Stopped = 1;
    public const int StartPending = 2;
    public const int StopPending = 3;
    public const int Running = 4;
    public const int ContinuePending = 5;
    public const int PausePending = 6;
    public const int Paused = 7;

    /// <summary>ERROR_SERVICE_SPECIFIC_ERROR: the exit code is in dwServiceSpecificExitCode.</summary>
    public const int ServiceSpecificError = 1066;

    /// <summary>ERROR_SERVICE_NEVER_STARTED: stopped, but not because anything failed.</summary>
    public const int NeverStarted = 1077;

    /// <summary>
    /// Maps an SCM state to the systemd-like ActiveState/SubState/Result the rest of the agent reports, so health
    /// checks, rollbacks and messages read the same on both platforms.
    /// </summary>
    public static ServiceStatus ToStatus(int state, int processId, int win32ExitCode, int serviceExitCode)
    {
        var (active, sub) = state switch
        {
            Running => ("active", "running"),
            StartPending or ContinuePending => ("activating", state == StartPending ? "start-pending" : "continue-pending"),
            StopPending => ("deactivating", "stop-pending"),
            PausePending or Paused => ("inactive", state == Paused ? "paused" : "pause-pending"),
            Stopped => (win32ExitCode is 0 or NeverStarted ? "inactive" : "failed", "stopped"),
            _ => ("unknown", $"state-{state}"),
        };
        var result = win32ExitCode switch
        {
            0 or NeverStarted => "success",
            ServiceSpecificError => $"exit-code {serviceExitCode}",
            _ => $"win32-error {win32ExitCode}",
        };
        return new ServiceStatus(state == Running, state == Running ? processId : 0, active, sub, result);
    }

    /// <summary>Whether a service in <paramref name="state"/> has settled (no pending transition).</summary>
    public static bool IsSettled(int state) => state is Stopped or Running or Paused;
}
