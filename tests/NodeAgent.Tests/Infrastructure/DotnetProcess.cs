using System.Diagnostics;
using System.Text;

namespace NodeAgent.Tests.Infrastructure;

/// <summary>One of our programs run as a real separate process (dotnet X.dll), with its output captured, so that it can be killed with SIGKILL.</summary>
internal sealed class DotnetProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private DotnetProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    public int ExitCode => _process.ExitCode;

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

    /// <summary>
    /// Runs <paramref name="dll"/> from the test's output directory, or, given its project directory, from that
    /// project's own output (its runtimeconfig and dependencies are its own, not the test project's).
    /// </summary>
    public static DotnetProcess Start(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? project = null)
    {
        return Launch(StandIn.DotnetHost, [project is null ? Path.Combine(AppContext.BaseDirectory, dll) : ProjectOutput(project, dll), .. args], environment);
    }

    /// <summary>Runs a native executable (the packaged NativeAOT agent) the same way.</summary>
    public static DotnetProcess StartNative(string executable, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        Launch(executable, args, environment);

    private static DotnetProcess Launch(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return new DotnetProcess(Process.Start(start)!);
    }

    /// <summary>tests/NodeAgent.Tests/bin/CONFIG/TFM/ → PROJECT/bin/CONFIG/TFM/DLL, same configuration and framework.</summary>
    public static string ProjectOutput(string project, string dll)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var root = output.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(root, project, "bin", configuration, framework, dll);
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

    /// <summary>SIGTERM, then SIGKILL if it does not stop within 30 s.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _ = NodeAgent.Native.Libc.Kill(_process.Id, NodeAgent.Native.Libc.SigTerm);
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
