using System.Globalization;
using System.Security.Cryptography;
using NodeAgent.Client.Transport;
using SimFleet;

namespace Benchmarks;

/// <summary>The artifacts of the target version and the rollout plans of the benchmark (all nodes are workers).</summary>
internal static class BenchPlan
{
    /// <summary>Writes the target version's binaries; returns (name, path, sha256, size) per component.</summary>
    public static IReadOnlyList<(string Component, string Name, string Path, string Sha256, long Size)> WriteArtifacts(string directory)
    {
        var result = new List<(string, string, string, string, long)>();
        foreach (var component in SimLayout.Components)
        {
            var name = $"{component}-{SimLayout.TargetVersion}";
            var path = Path.Combine(directory, name);
            SimLayout.WriteBinary(path, component, SimLayout.TargetVersion);
            var bytes = File.ReadAllBytes(path);
            result.Add((component, name, path, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length));
        }

        return result;
    }

    /// <summary>
    /// The named policy: canary <paramref name="options"/>.CanaryPercent of the nodes, a soak, then batches of
    /// BatchPercent, each batch wholly in parallel (maxConcurrency = the batch size). Backup is left out: like staging,
    /// it happens before the window.
    /// </summary>
    public static string Write(string path, string rollout, IReadOnlyList<SimNode> nodes, BenchOptions options, ClientTlsFiles tls,
        IReadOnlyList<(string Component, string Name, string Path, string Sha256, long Size)> artifacts)
    {
        var canary = Math.Max(1, (int)Math.Ceiling(nodes.Count * options.CanaryPercent / 100));
        var batch = Math.Max(1, (int)Math.Ceiling(nodes.Count * options.BatchPercent / 100.0));
        var lines = new List<string>
        {
            $"rollout: {rollout}",
            $"targetVersion: {SimLayout.TargetVersion}",
            $"tls: {{ ca: {tls.CaFile}, certificate: {tls.CertificateFile}, key: {tls.KeyFile} }}",
            "artifacts:",
        };
        lines.AddRange(artifacts.Select(a => $"  - {{ name: {a.Name}, sha256: {a.Sha256}, size: {a.Size}, source: {a.Path} }}"));
        lines.Add("components:");
        lines.Add("  worker:");
        lines.AddRange(artifacts.Select(a => $"    - {{ name: {a.Component}, files: {{ binary: {a.Name} }}{(a.Component == "kubelet" ? ", marker: true" : "")} }}"));
        lines.Add("inventory:");
        lines.AddRange(nodes.Select(n => $"  - {{ name: {n.Name}, role: worker, address: \"{n.Address}\" }}"));
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"policy: {{ canary: {{ count: {canary} }}, soak: {{ afterCanary: {options.Soak.TotalSeconds}s }}, batchSize: {options.BatchPercent}%, maxConcurrency: {batch}, healthTimeout: 60s, callTimeout: 60s, phases: [preflight, canary, workers, verify] }}"));
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }
}
