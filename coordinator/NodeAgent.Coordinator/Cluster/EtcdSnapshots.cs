using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// Saves and finds etcd v3 snapshots with etcdctl. A snapshot is downloaded to a temp file, checked with
/// <c>etcdctl snapshot status</c>, fsynced and renamed to <c>NAME.db</c>, so that NAME.db is always whole and verified.
/// </summary>
internal sealed partial class EtcdSnapshots(EtcdOptions options, TimeProvider time)
{
    // etcdctl's own --command-timeout should fire first, so that its error message, not ours, reaches the operator.
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(10);

    private static readonly Dictionary<string, string> ApiVersion3 = new(StringComparer.Ordinal) { ["ETCDCTL_API"] = "3" };

    public async Task<EtcdSnapshot> SaveAsync(string name, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        Directory.CreateDirectory(options.SnapshotDirectory);
        var endpoint = await HealthyEndpointAsync(cancellationToken);
        var temp = Path.Combine(options.SnapshotDirectory, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            var save = await EtcdctlAsync([.. Connection(endpoint), "snapshot", "save", temp], cancellationToken);
            if (!save.Succeeded)
            {
                throw new CoordinatorException($"etcdctl snapshot save from {endpoint} failed (exit code {save.ExitCode}): {Excerpt.Of(save.Error)}");
            }

            var snapshot = await DescribeAsync(temp, endpoint, cancellationToken);
            using (var file = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            Contracts.DirectorySync.Sync(options.SnapshotDirectory);
            return snapshot with { Path = path };
        }
        finally
        {
            // etcdctl downloads into FILE.part and renames it to FILE; neither may outlive a failure.
            File.Delete(temp + ".part");
            File.Delete(temp);
        }
    }

    public async Task<EtcdSnapshot?> FindAsync(string name, string expectedSha256, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        if (!File.Exists(path) || !string.Equals(await Sha256Async(path, cancellationToken), expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return await DescribeAsync(path, endpoint: null, cancellationToken);
    }

    /// <summary>NAME.db in the snapshot directory; NAME is letters, digits, '.', '_' and '-', so it cannot leave it.</summary>
    private string PathOf(string name) =>
        SnapshotName().IsMatch(name)
            ? Path.Combine(options.SnapshotDirectory, name + ".db")
            : throw new CoordinatorException($"\"{name}\" is not a snapshot name: use 1 to 128 letters, digits, '.', '_' or '-'");

    private async Task<string> HealthyEndpointAsync(CancellationToken cancellationToken)
    {
        if (options.Endpoints.Count == 0)
        {
            throw new CoordinatorException("no etcd endpoint is configured");
        }

        var failures = new List<string>();
        foreach (var endpoint in options.Endpoints)
        {
            var health = await EtcdctlAsync([.. Connection(endpoint), "endpoint", "health"], cancellationToken);
            if (health.Succeeded)
            {
                return endpoint;
            }

            failures.Add($"{endpoint}: {Excerpt.Of(health.Error + health.Output)}");
        }

        throw new CoordinatorException($"no etcd endpoint is healthy, so no snapshot was taken: {string.Join("; ", failures)}");
    }

    private async Task<EtcdSnapshot> DescribeAsync(string path, string? endpoint, CancellationToken cancellationToken)
    {
        var status = await EtcdctlAsync(["snapshot", "status", path, "-w", "json"], cancellationToken);
        if (!status.Succeeded)
        {
            throw new CoordinatorException($"etcdctl snapshot status found {Path.GetFileName(path)} unreadable (exit code {status.ExitCode}): {Excerpt.Of(status.Error)}");
        }

        EtcdSnapshotStatus parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(status.Output, EtcdJsonContext.Default.EtcdSnapshotStatus)
                ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new CoordinatorException($"etcdctl snapshot status printed what is not its JSON ({ex.Message}): {Excerpt.Of(status.Output)}");
        }

        if (parsed.Revision <= 0 || parsed.TotalKey <= 0)
        {
            throw new CoordinatorException($"etcdctl snapshot status reports an empty snapshot (revision {parsed.Revision}, {parsed.TotalKey} keys)");
        }

        return new EtcdSnapshot(
            path,
            await Sha256Async(path, cancellationToken),
            new FileInfo(path).Length,
            parsed.Hash.ToString(CultureInfo.InvariantCulture),
            parsed.Revision,
            parsed.TotalKey,
            parsed.TotalSize,
            endpoint);
    }

    private List<string> Connection(string endpoint)
    {
        var arguments = new List<string> { "--endpoints", endpoint, $"--command-timeout={(int)Math.Ceiling(options.Timeout.TotalSeconds)}s" };
        foreach (var (flag, file) in new[] { ("--cacert", options.CaCert), ("--cert", options.Cert), ("--key", options.Key) })
        {
            if (file is not null)
            {
                arguments.Add($"{flag}={file}");
            }
        }

        return arguments;
    }

    private Task<ToolResult> EtcdctlAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ToolProcess.RunAsync(options.Etcdctl, arguments, ApiVersion3, options.Timeout + KillGrace, time, cancellationToken);

    private static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}\\z")]
    private static partial Regex SnapshotName();
}
