using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SimFleet;

namespace Benchmarks;

/// <summary>
/// The simulated fleet as child processes (nodeagent-simfleet), so that the coordinator's CPU and memory are this
/// process's alone. Each hosts a slice of the nodes; the first also hosts the agentless hosts of the Ansible baseline.
/// </summary>
internal sealed class FleetProcesses : IAsyncDisposable
{
    private readonly List<Process> _processes = [];

    public List<SimManifest> Manifests { get; } = [];

    public IEnumerable<SimNode> Agents => Manifests.SelectMany(m => m.Agents);

    public IEnumerable<SimNode> AgentlessHosts => Manifests.SelectMany(m => m.AgentlessHosts);

    public static async Task<FleetProcesses> StartAsync(string directory, string pki, int agents, int agentless, int perProcess, SimTimings timings)
    {
        var fleet = new FleetProcesses();
        try
        {
            var starts = new List<Task<string>>();
            for (var first = 1; first <= agents; first += perProcess)
            {
                var count = Math.Min(perProcess, agents - first + 1);
                starts.Add(fleet.StartOneAsync(directory, pki, first, count, first == 1 ? agentless : 0, timings));
            }

            foreach (var manifest in await Task.WhenAll(starts))
            {
                fleet.Manifests.Add(JsonSerializer.Deserialize(await File.ReadAllTextAsync(manifest), SimJsonContext.Default.SimManifest)!);
            }

            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>Resident memory of all fleet processes together, in KB.</summary>
    public long ResidentKb() => _processes.Sum(p => ProcStatus.Kb(p.Id, "VmRSS"));

    private async Task<string> StartOneAsync(string directory, string pki, int first, int count, int agentless, SimTimings timings)
    {
        var start = new ProcessStartInfo(DemoFleet.Fleet.DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "nodeagent-simfleet.dll"));
        foreach (var (name, value) in new (string, object)[]
        {
            ("--dir", directory), ("--pki", pki), ("--first", first), ("--agents", count), ("--agentless", agentless),
            ("--seed", timings.Seed), ("--service-time", timings.Scale), ("--fail-fraction", timings.FailFraction), ("--die-fraction", timings.DieFraction),
        })
        {
            start.ArgumentList.Add(name);
            start.ArgumentList.Add(Convert.ToString(value, CultureInfo.InvariantCulture)!);
        }

        var process = Process.Start(start)!;
        lock (_processes)
        {
            _processes.Add(process);
        }

        // The agents log to stderr; keep it in a file for a look after a failed run.
        var log = File.CreateText(Path.Combine(directory, $"fleet-{first}.log"));
        _ = process.StandardError.BaseStream.CopyToAsync(log.BaseStream).ContinueWith(_ => log.Dispose(), TaskScheduler.Default);
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("ready ", StringComparison.Ordinal))
            {
                return line["ready ".Length..];
            }
        }

        throw new InvalidOperationException($"fleet process for nodes {first}..{first + count - 1} exited ({process.ExitCode}) before it was ready; see {directory}/fleet-{first}.log");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            process.StandardInput.Close();
        }

        foreach (var process in _processes)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
            }

            process.Dispose();
        }
    }
}
