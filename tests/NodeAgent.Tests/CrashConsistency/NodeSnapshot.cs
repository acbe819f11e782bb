using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.CrashConsistency;

/// <summary>A whole set of a component's files: the old set or the new set that an apply moves between.</summary>
internal sealed record FileSet(string Version, byte[] Binary, byte[] Config)
{
    public static FileSet Current(TestNode node, string version) => new(version, File.ReadAllBytes(node.KubeletBinary), File.ReadAllBytes(node.KubeletConfig));

    public bool Matches(TestNode node) => File.ReadAllBytes(node.KubeletBinary).AsSpan().SequenceEqual(Binary) && File.ReadAllBytes(node.KubeletConfig).AsSpan().SequenceEqual(Config);
}

/// <summary>The invariants that must hold after any crash, once the agent has started again.</summary>
internal static class CrashInvariants
{
    /// <summary>Returns every violated invariant, in plain words; empty when the node is consistent.</summary>
    public static async Task<IReadOnlyList<string>> CheckAsync(TestNode node, string operationId, FileSet oldSet, FileSet newSet, bool markerWanted, Func<Task<Operation>> retry)
    {
        var problems = new List<string>();
        var op = await node.WaitForOperationAsync(operationId);
        var isNew = newSet.Matches(node);
        var isOld = oldSet.Matches(node);
        if (!isNew && !isOld)
        {
            problems.Add("kubelet's files are a mix of the old and the new set");
        }

        var expectNew = op.State == OperationState.Succeeded;
        if (op.State == OperationState.RollbackFailed)
        {
            problems.Add($"operation ended rollback-failed: {op.Message}");
        }
        else if (expectNew != isNew)
        {
            problems.Add($"operation says {op.State} but the files are the {(isNew ? "new" : "old")} set");
        }

        if (File.GetUnixFileMode(node.KubeletBinary) != (UnixFileMode)Convert.ToInt32("755", 8))
        {
            problems.Add($"binary mode is {File.GetUnixFileMode(node.KubeletBinary)}");
        }

        problems.AddRange(LayoutProblems(node, isNew ? newSet : oldSet, oldSet.Version == "v1.10.11" ? oldSet : newSet));
        var leftovers = Directory.EnumerateFileSystemEntries(node.Dir.Combine("node"), "*", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(node.StateDir, "tmp")))
            .Where(f => f.EndsWith(".nodeagent-new", StringComparison.Ordinal) || f.EndsWith(".nodeagent-tmp", StringComparison.Ordinal) || f.Contains("/tmp/", StringComparison.Ordinal) && f.StartsWith(node.StateDir, StringComparison.Ordinal))
            .ToList();
        problems.AddRange(leftovers.Select(f => $"left behind: {f}"));

        if (markerWanted && File.Exists(node.MarkerPath) != isNew)
        {
            problems.Add($"marker {(File.Exists(node.MarkerPath) ? "present" : "absent")} with the {(isNew ? "new" : "old")} files");
        }

        var expectedVersion = (isNew ? newSet : oldSet).Version;
        var status = await RunningStatusAsync(node, expectedVersion);
        if (status is not null)
        {
            problems.Add(status);
        }

        var again = await retry();
        if (!again.Existing || again.State != op.State || again.Events.Count != op.Events.Count)
        {
            problems.Add($"retry with the same id ran again or differs: existing={again.Existing} state={again.State} events {again.Events.Count} vs {op.Events.Count}");
        }

        return problems;
    }

    /// <summary>
    /// A link layout must end as the operator had it or as docs/agent/apply-and-recovery.md says an apply leaves it: the link names the
    /// versioned place of the version in use, with the same style of target string; and the original version's place
    /// holds exactly what it held before (nothing is ever written into it).
    /// </summary>
    public static IEnumerable<string> LayoutProblems(TestNode node, FileSet current, FileSet original)
    {
        if (node.LayoutLink is not { } link)
        {
            yield break;
        }

        var expected = node.Options.Layout == InstallLayout.FileLink ? node.VersionedPlace(current.Version) : current.Version;
        var actual = new FileInfo(link).LinkTarget;
        if (actual != expected)
        {
            yield return $"link {link} names {actual ?? "(not a link)"}, expected {expected}";
        }

        var place = node.VersionedPlace(original.Version);
        var (binary, config) = node.Options.Layout == InstallLayout.FileLink ? (place, null) : (Path.Combine(place, "kubelet"), Path.Combine(place, "kubelet.json"));
        if (!File.ReadAllBytes(binary).AsSpan().SequenceEqual(original.Binary) || config is not null && !File.ReadAllBytes(config).AsSpan().SequenceEqual(original.Config))
        {
            yield return $"the original version's place {place} was written into";
        }

        if (node.Options.Layout == InstallLayout.DirectoryLink && Directory.EnumerateFileSystemEntries(place).Count() != 3)
        {
            yield return $"the original version's directory {place} holds {string.Join(", ", Directory.EnumerateFileSystemEntries(place))}";
        }
    }

    private static async Task<string?> RunningStatusAsync(TestNode node, string expectedVersion)
    {
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(20);
        ComponentStatus status;
        do
        {
            status = (await node.Client.GetInfoAsync(new GetInfoRequest { Probe = true })).Components.Single(c => c.Name == "kubelet");
            if (status.Healthy && status.Version == expectedVersion)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System);
        }
        while (TimeProvider.System.GetUtcNow() < deadline);
        return $"kubelet is not healthy at {expectedVersion}: healthy={status.Healthy} version={status.Version} ({status.HealthMessage})";
    }
}
