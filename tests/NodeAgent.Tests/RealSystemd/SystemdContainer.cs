using System.Diagnostics;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.RealSystemd;

/// <summary>The result of a command run inside the container.</summary>
internal sealed record ContainerResult(int ExitCode, string Out, string Err)
{
    public override string ToString() => $"exit {ExitCode}\n{Out}\n{Err}";
}

/// <summary>
/// A throwaway machine with a real systemd as PID 1: this machine's own OS booted with systemd-nspawn on an overlay
/// (the host's root read-only below, a tmpfs on top), so packages install and units run inside while nothing
/// reaches the host. Commands run inside with nsenter. Started and stopped by PID; unmounted on dispose.
/// </summary>
internal sealed class SystemdContainer : IAsyncDisposable
{
    private readonly TempDir _dir;
    private readonly Process _nspawn;

    private SystemdContainer(TempDir dir, Process nspawn, int init)
    {
        _dir = dir;
        _nspawn = nspawn;
        Init = init;
        Exchange = dir.Combine("exchange");
    }

    /// <summary>PID (on the host) of the container's systemd.</summary>
    public int Init { get; }

    /// <summary>A host directory seen inside the container as /run/na-test.</summary>
    public string Exchange { get; }

    public const string ExchangeInside = "/run/na-test";

    /// <summary>Why a real systemd cannot be booted here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (Environment.UserName != "root")
        {
            return "the real-systemd tests need root (mounts and systemd-nspawn)";
        }

        return File.Exists("/usr/bin/systemd-nspawn") ? null : "systemd-nspawn is missing: apt-get install systemd-container (scripts/test.sh installs it)";
    }

    public static async Task<SystemdContainer> BootAsync()
    {
        var dir = new TempDir();
        var layers = dir.Combine("layers");
        var root = dir.Combine("root");
        Directory.CreateDirectory(layers);
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(dir.Combine("exchange"));
        Process? nspawn = null;
        try
        {
            await Host.RunAsync("mount", "-t", "tmpfs", "-o", "size=3g", "na-layers", layers);
            Directory.CreateDirectory(Path.Combine(layers, "upper"));
            Directory.CreateDirectory(Path.Combine(layers, "work"));
            await Host.RunAsync("mount", "-t", "overlay", "na-root", "-o", $"lowerdir=/,upperdir={layers}/upper,workdir={layers}/work", root);

            var start = new ProcessStartInfo("systemd-nspawn") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var arg in new[]
            {
                "-D", root, "--private-network", "--register=no", "--keep-unit", "-q", $"--bind={dir.Combine("exchange")}:{ExchangeInside}",
                // The tests' own build (the agent and stand-in dlls) at the same path inside: the overlay of / does not
                // show other mounts (a checkout under a separately mounted /tmp, say).
                $"--bind-ro={AppContext.BaseDirectory.TrimEnd('/')}",
                "-b", "--", "systemd.firstboot=off", "systemd.unit=multi-user.target",
            })
            {
                start.ArgumentList.Add(arg);
            }

            nspawn = Process.Start(start)!;
            nspawn.OutputDataReceived += (_, _) => { };
            nspawn.ErrorDataReceived += (_, _) => { };
            nspawn.BeginOutputReadLine();
            nspawn.BeginErrorReadLine();
            var init = 0;
            await Eventually.TrueAsync(() => Task.FromResult((init = FindInit(nspawn.Id)) > 0 || nspawn.HasExited), TimeSpan.FromSeconds(30), "the container's systemd to start");
            if (nspawn.HasExited)
            {
                throw new InvalidOperationException($"systemd-nspawn exited with {nspawn.ExitCode}");
            }

            var container = new SystemdContainer(dir, nspawn, init);
            await Eventually.TrueAsync(
                async () => (await container.RunAsync("systemctl", "is-system-running")).Out.Trim() is "running" or "degraded",
                TimeSpan.FromSeconds(90),
                "the container to finish booting");
            return container;
        }
        catch
        {
            // A boot that went wrong half way leaves nothing behind either: no container, no mounts.
            if (nspawn is { HasExited: false })
            {
                nspawn.Kill(entireProcessTree: true);
                await nspawn.WaitForExitAsync(CancellationToken.None);
            }

            nspawn?.Dispose();
            await UnmountAsync(dir);
            throw;
        }
    }

    /// <summary>Runs a command inside the container (all its namespaces) and returns its output.</summary>
    public Task<ContainerResult> RunAsync(params string[] command) =>
        Host.RunAsync(["nsenter", "-t", Init.ToString(System.Globalization.CultureInfo.InvariantCulture), "-a", .. command], check: false);

    /// <summary>Runs a command inside and fails the test unless it exits 0.</summary>
    public async Task<ContainerResult> MustAsync(params string[] command)
    {
        var result = await RunAsync(command);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', command)}: {result}");
        return result;
    }

    /// <summary>A unit property as systemctl show prints it.</summary>
    public async Task<string> PropertyAsync(string unit, string property) =>
        (await MustAsync("systemctl", "show", unit, "--property", property, "--value")).Out.Trim();

    public async ValueTask DisposeAsync()
    {
        if (!_nspawn.HasExited)
        {
            _ = NodeAgent.Native.Libc.Kill(_nspawn.Id, NodeAgent.Native.Libc.SigTerm);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _nspawn.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _ = NodeAgent.Native.Libc.Kill(Init, NodeAgent.Native.Libc.SigKill);
                _nspawn.Kill();
                await _nspawn.WaitForExitAsync(CancellationToken.None);
            }
        }

        _nspawn.Dispose();
        await UnmountAsync(_dir);
    }

    /// <summary>Unmounts the overlay and its tmpfs; the directory is removed only when both are gone.</summary>
    private static async Task UnmountAsync(TempDir dir)
    {
        await Host.RunAsync(["umount", "-l", dir.Combine("root")], check: false);
        await Host.RunAsync(["umount", "-l", dir.Combine("layers")], check: false);
        var mounted = (await Host.RunAsync(["findmnt", "-n", dir.Combine("root")], check: false)).ExitCode == 0
            || (await Host.RunAsync(["findmnt", "-n", dir.Combine("layers")], check: false)).ExitCode == 0;
        if (!mounted)
        {
            dir.Dispose();
        }
    }

    /// <summary>The container's systemd: the child of nspawn running /usr/lib/systemd/systemd.</summary>
    private static int FindInit(int nspawn)
    {
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(proc, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                if (parent == nspawn && File.ReadAllText(Path.Combine(proc, "cmdline")).StartsWith("/usr/lib/systemd/systemd", StringComparison.Ordinal))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return 0;
    }
}

/// <summary>Runs host commands for the container fixture.</summary>
internal static class Host
{
    public static Task<ContainerResult> RunAsync(params string[] command) => RunAsync(command, check: true);

    public static async Task<ContainerResult> RunAsync(string[] command, bool check)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command[1..])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within 3 minutes");
        }
        var result = new ContainerResult(process.ExitCode, await output, await error);
        if (check && result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)}: {result}");
        }

        return result;
    }
}
