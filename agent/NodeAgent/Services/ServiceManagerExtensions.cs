namespace NodeAgent.Services;

internal static class ServiceManagerExtensions
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// A restart is done when the unit is active with a main PID other than <paramref name="oldPid"/>: "systemctl
    /// restart exited 0" alone proves nothing.
    /// </summary>
    public static async Task<ServiceStatus> WaitForNewPidAsync(this IServiceManager services, string unit, long oldPid, DateTimeOffset deadline, TimeProvider time, CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = await services.GetStatusAsync(unit, cancellationToken);
            if (status.Active && status.MainPid != oldPid && status.MainPid != 0)
            {
                return status;
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new ServiceManagerException($"{unit} did not come up with a new main pid: {status.Describe()}");
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }
}
