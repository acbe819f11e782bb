using System.Security.Cryptography;

namespace NodeAgent.Tests.Infrastructure;

/// <summary>
/// Every file under a directory with its mode and content hash, to prove that a refused request wrote nothing.
/// The audit trail and the process manager's logs and pid files are left out: they are meant to change.
/// </summary>
internal sealed record DiskSnapshot(IReadOnlyDictionary<string, string> Files)
{
    public static DiskSnapshot Take(TestNode node)
    {
        var excluded = new[] { Path.Combine(node.StateDir, "audit"), Path.Combine(node.StateDir, "run"), Path.Combine(node.Dir.Path, "pki") };
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(node.Dir.Path, "*", SearchOption.AllDirectories))
        {
            if (excluded.Any(e => path.StartsWith(e, StringComparison.Ordinal)) || path == node.Socket)
            {
                continue;
            }

            var mode = File.GetUnixFileMode(path);
            files[path] = Directory.Exists(path) ? $"dir {mode}"
                : Path.GetFileName(path) == "agent.lock" ? $"{mode} (held by the agent)"
                : $"{mode} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))}";
        }

        return new DiskSnapshot(files);
    }

    /// <summary>The paths that differ between two snapshots (added, removed or changed).</summary>
    public IReadOnlyList<string> Diff(DiskSnapshot later) =>
        Files.Keys.Union(later.Files.Keys)
            .Where(path => Files.GetValueOrDefault(path) != later.Files.GetValueOrDefault(path))
            .ToList();
}
