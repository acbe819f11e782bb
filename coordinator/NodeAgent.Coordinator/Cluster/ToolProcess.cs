using System.ComponentModel;
using System.Diagnostics;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// Runs a command-line tool (etcdctl) directly, never through a shell, with its output captured and a deadline; on
/// the deadline or on cancellation the whole process tree is killed, so the coordinator never hangs on a stuck child.
/// </summary>
internal static class ToolProcess
{
    public static async Task<ToolResult> RunAsync(
        string program,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new CoordinatorException($"cannot run {program}: {ex.Message}");
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            await process.WaitForExitAsync(either.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new CoordinatorException(
                $"{program} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0.#} s and was killed: {Excerpt.Of(await error)}");
        }

        return new ToolResult(process.ExitCode, await output, await error);
    }
}
