using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.ServiceProcess;
using NodeAgent.Configuration;

namespace NodeAgent.Services;

/// <summary>
/// Windows services through the Service Control Manager (serviceManager: windows). Compiled everywhere, run only on
/// Windows; its state mapping (<see cref="WindowsServiceStates"/>) is what the tests here cover. Stopping a service
/// also stops the services that depend on it, and a restart does not start those again (kubelet and kube-proxy have
/// no dependents on a usual node).
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed partial class WindowsServiceManager(TimeProvider time) : IServiceManager
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    public string Kind => "windows";

    public Task<ServiceStatus> GetStatusAsync(string unit, CancellationToken cancellationToken)
    {
        using var service = Open(unit);
        return Task.FromResult(Query(service));
    }

    public Task StartAsync(string unit, CancellationToken cancellationToken) => ChangeAsync(unit, start: true, cancellationToken);

    public Task StopAsync(string unit, CancellationToken cancellationToken) => ChangeAsync(unit, start: false, cancellationToken);

    public async Task RestartAsync(string unit, CancellationToken cancellationToken)
    {
        await ChangeAsync(unit, start: false, cancellationToken);
        await ChangeAsync(unit, start: true, cancellationToken);
    }

    /// <summary>Windows services have no unit files to re-read.</summary>
    /// <summary>A service that does not exist or whose start type is Disabled cannot be restarted by the SCM.</summary>
    public Task<string?> CheckRestartableAsync(string unit, CancellationToken cancellationToken)
    {
        try
        {
            using var service = Open(unit);
            return Task.FromResult(service.StartType == ServiceStartMode.Disabled
                ? $"the Windows service {unit} is disabled (start type Disabled); enable it first"
                : null);
        }
        catch (ServiceManagerException ex)
        {
            return Task.FromResult<string?>(ex.Message);
        }
    }

    public Task ReloadUnitsAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartSupervisedAsync(CatalogComponent component, CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ChangeAsync(string unit, bool start, CancellationToken cancellationToken)
    {
        using var service = Open(unit);
        try
        {
            if (start && service.Status != ServiceControllerStatus.Running)
            {
                service.Start();
            }
            else if (!start && service.Status != ServiceControllerStatus.Stopped)
            {
                service.Stop();
            }
        }
        catch (InvalidOperationException ex)
        {
            throw new ServiceManagerException($"{(start ? "start" : "stop")} {unit} failed: {ex.InnerException?.Message ?? ex.Message}; SCM reports {Query(service).Describe()}");
        }

        var deadline = time.GetUtcNow() + Settle;
        var wanted = start ? WindowsServiceStates.Running : WindowsServiceStates.Stopped;
        while (true)
        {
            var state = RawState(service);
            if (state.State == wanted)
            {
                return;
            }

            if (WindowsServiceStates.IsSettled(state.State) || time.GetUtcNow() > deadline)
            {
                throw new ServiceManagerException($"{(start ? "start" : "stop")} {unit} did not finish; SCM reports {Query(service).Describe()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
        }
    }

    private static ServiceController Open(string unit)
    {
        var service = new ServiceController(unit);
        try
        {
            _ = service.Status;
            return service;
        }
        catch (InvalidOperationException ex)
        {
            service.Dispose();
            throw new ServiceManagerException($"no Windows service {unit}: {ex.Message}");
        }
    }

    private static ServiceStatus Query(ServiceController service)
    {
        var raw = RawState(service);
        return WindowsServiceStates.ToStatus(raw.State, raw.ProcessId, raw.Win32ExitCode, raw.ServiceExitCode);
    }

    private static (int State, int ProcessId, int Win32ExitCode, int ServiceExitCode) RawState(ServiceController service)
    {
        service.Refresh();

        // Each ServiceHandle read opens a new SCM handle: close it after the one query.
        using var handle = service.ServiceHandle;
        if (!QueryServiceStatusEx(handle, 0, out var status, Marshal.SizeOf<ServiceStatusProcess>(), out _))
        {
            throw new ServiceManagerException($"QueryServiceStatusEx {service.ServiceName} failed: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        }

        return (status.CurrentState, status.ProcessId, status.Win32ExitCode, status.ServiceSpecificExitCode);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ServiceStatusProcess
    {
        public int ServiceType;
        public int CurrentState;
        public int ControlsAccepted;
        public int Win32ExitCode;
        public int ServiceSpecificExitCode;
        public int CheckPoint;
        public int WaitHint;
        public int ProcessId;
        public int ServiceFlags;
    }

    [LibraryImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool QueryServiceStatusEx(SafeHandle service, int infoLevel, out ServiceStatusProcess buffer, int bufferSize, out int bytesNeeded);
}
