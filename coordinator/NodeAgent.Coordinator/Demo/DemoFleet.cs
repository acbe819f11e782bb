using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NodeAgent.Client.Concurrency;

namespace NodeAgent.Coordinator.Demo;

/// <summary>
/// The demo's local fleet (nodeagent-fleet: real agents with stand-in services): started in a working directory the
/// demo marks as its own, waited for, a plan written for it, stopped and removed at the end.
/// </summary>
internal static class DemoFleet
{
    private static readonly string[] FleetDirectories = ["nodes", "artifacts"];

    /// <summary>
    /// The fleet's node directories, artifacts and manifest, from this run or one that was interrupted; only in a
    /// directory the demo made its own (marked), never in someone's existing folders.
    /// </summary>
    public static void RemoveFleet(string work)
    {
        var marker = Path.Combine(work, ".nodeagent-demo");
        if (!File.Exists(marker))
        {
            if (FleetDirectories.Any(s => Directory.Exists(Path.Combine(work, s))))
            {
                throw new CoordinatorException($"{work} already has nodes/ or artifacts/ that the demo did not create; choose another --dir");
            }

            File.WriteAllText(marker, "created by nodeagent-coordinator demo\n");
        }

        foreach (var sub in FleetDirectories.Select(s => Path.Combine(work, s)).Where(Directory.Exists))
        {
            Directory.Delete(sub, recursive: true);
        }

        File.Delete(Path.Combine(work, "fleet.json"));
    }

    public static Process StartFleet(string fleetDll, string work, int nodes, int controlPlane)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { fleetDll, "--dir", work, "--nodes", nodes.ToString(CultureInfo.InvariantCulture), "--control-plane", controlPlane.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new CoordinatorException("could not start the fleet");
        var log = new StreamWriter(Path.Combine(work, "fleet.log")) { AutoFlush = true };
        DataReceivedEventHandler append = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.WriteLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static async Task<JsonDocument> WaitForManifestAsync(Process fleet, string path, CancellationToken cancellationToken)
    {
        var up = await Poll.UntilAsync(() => File.Exists(path) || fleet.HasExited, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(5), TimeProvider.System, cancellationToken);
        if (!up || !File.Exists(path))
        {
            throw new CoordinatorException($"the fleet did not come up (exit code {(fleet.HasExited ? fleet.ExitCode : -1)})");
        }

        return JsonDocument.Parse(await File.ReadAllTextAsync(path, cancellationToken));
    }

    public static async Task StopFleetAsync(Process fleet)
    {
        if (!fleet.HasExited)
        {
            fleet.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await fleet.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                fleet.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>A plan for the fleet: canary one control-plane node, then the control plane, then workers in quarters; controllers stopped meanwhile.</summary>
    public static string PlanYaml(JsonDocument manifest, int nodes)
    {
        var root = manifest.RootElement;
        var yaml = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"rollout: demo-{TimeProvider.System.GetUtcNow():yyyyMMdd-HHmmss}\n")
            .Append(CultureInfo.InvariantCulture, $"targetVersion: {root.GetProperty("targetVersion").GetString()}\n")
            .Append("artifacts:\n");
        foreach (var artifact in root.GetProperty("artifacts").EnumerateArray())
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{ name: {artifact.GetProperty("name").GetString()}, sha256: {artifact.GetProperty("sha256").GetString()}, size: {artifact.GetProperty("size").GetInt64()}, source: {artifact.GetProperty("path").GetString()} }}\n");
        }

        var target = root.GetProperty("targetVersion").GetString();
        yaml.Append(CultureInfo.InvariantCulture, $$"""
            components:
              control-plane:
                - { name: kube-apiserver, files: { binary: kube-apiserver-{{target}} } }
                - { name: kubelet, files: { binary: kubelet-{{target}} }, marker: true }
                - { name: kube-proxy, files: { binary: kube-proxy-{{target}} } }
              worker:
                - { name: kubelet, files: { binary: kubelet-{{target}} }, marker: true }
                - { name: kube-proxy, files: { binary: kube-proxy-{{target}} } }
            inventory:

            """);
        foreach (var node in root.GetProperty("nodes").EnumerateArray())
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{ name: {node.GetProperty("name").GetString()}, role: {node.GetProperty("role").GetString()}, address: \"{node.GetProperty("address").GetString()}\" }}\n");
        }

        yaml.Append(CultureInfo.InvariantCulture, $$"""
            policy:
              canary: { count: 1 }
              batchSize: 25%
              maxConcurrency: {{Math.Min(16, Math.Max(2, nodes / 4))}}
              failureThreshold: { perBatch: 0, total: 0 }
              soak: { afterCanary: 2s, betweenBatches: 0s }
              healthTimeout: 60s
              callTimeout: 30s
            cluster:
              controllers: [kube-controller-manager, kube-scheduler]

            """);
        return yaml.ToString();
    }
}
