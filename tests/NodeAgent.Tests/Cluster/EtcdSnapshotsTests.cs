using System.Security.Cryptography;
using System.Text.Json;
using NodeAgent.Coordinator;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cluster;

[Trait("Category", "Cluster")]
public sealed class EtcdSnapshotsTests
{
    private static readonly string[] Keys = ["/registry/a", "/registry/b", "/registry/c"];

    [SkippableFact]
    public async Task SaveAsync_RealEtcd_SavesAVerifiedSnapshotThatEtcdctlAgreesWith()
    {
        using var etcd = await StartWithKeysAsync();
        using var dir = new TempDir();

        var snapshot = await Snapshots(dir, etcd.Origin).SaveAsync("before-r1", CancellationToken.None);

        Assert.Equal(dir.Combine("before-r1.db"), snapshot.Path);
        Assert.Equal(etcd.Origin, snapshot.Endpoint);
        Assert.True(snapshot.Revision > 0);
        Assert.True(snapshot.TotalKeys >= Keys.Length, $"{snapshot.TotalKeys} keys");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(snapshot.Path))), snapshot.Sha256);
        Assert.Equal(new FileInfo(snapshot.Path).Length, snapshot.Bytes);
        var status = await EtcdServer.EtcdctlAsync("snapshot", "status", snapshot.Path, "-w", "json");
        using var json = JsonDocument.Parse(status.Output);
        Assert.Equal(json.RootElement.GetProperty("hash").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), snapshot.Hash);
        Assert.Equal(json.RootElement.GetProperty("revision").GetInt64(), snapshot.Revision);
        Assert.Equal(json.RootElement.GetProperty("totalKey").GetInt64(), snapshot.TotalKeys);
        Assert.Equal(json.RootElement.GetProperty("totalSize").GetInt64(), snapshot.TotalSize);
        Assert.Equal(["before-r1.db"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [SkippableFact]
    public async Task FindAsync_SameSha256_ReturnsTheSnapshotAndAfterAChangeNull()
    {
        using var etcd = await StartWithKeysAsync();
        using var dir = new TempDir();
        var snapshots = Snapshots(dir, etcd.Origin);
        var saved = await snapshots.SaveAsync("before-r1", CancellationToken.None);

        var found = await snapshots.FindAsync("before-r1", saved.Sha256, CancellationToken.None);
        await File.AppendAllTextAsync(saved.Path, "tampered");
        var afterChange = await snapshots.FindAsync("before-r1", saved.Sha256, CancellationToken.None);
        var missing = await snapshots.FindAsync("never-saved", saved.Sha256, CancellationToken.None);

        Assert.Equal(saved with { Endpoint = null }, found);
        Assert.Null(afterChange);
        Assert.Null(missing);
    }

    [SkippableFact]
    public async Task SaveAsync_OnlyEndpointDead_ThrowsNamingItAndLeavesNoFile()
    {
        ServerProcess.SkipUnlessInstalled(EtcdServer.Etcdctl);
        using var dir = new TempDir();
        var dead = $"http://127.0.0.1:{StandIn.FreePort()}";

        var error = await Assert.ThrowsAsync<CoordinatorException>(() => Snapshots(dir, dead).SaveAsync("before-r1", CancellationToken.None));

        Assert.Contains("no etcd endpoint is healthy, so no snapshot was taken", error.Message, StringComparison.Ordinal);
        Assert.Contains(dead, error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [SkippableFact]
    public async Task SaveAsync_FirstEndpointDead_SavesFromTheSecond()
    {
        using var etcd = await StartWithKeysAsync();
        using var dir = new TempDir();
        var dead = $"http://127.0.0.1:{StandIn.FreePort()}";

        var snapshot = await Snapshots(dir, dead, etcd.Origin).SaveAsync("before-r1", CancellationToken.None);

        Assert.Equal(etcd.Origin, snapshot.Endpoint);
        Assert.True(snapshot.TotalKeys >= Keys.Length);
        Assert.True(File.Exists(snapshot.Path));
    }

    [Fact]
    public async Task SaveAsync_EtcdctlMissing_ThrowsAndLeavesNoFile()
    {
        using var dir = new TempDir();
        var options = new EtcdOptions(dir.Combine("no-etcdctl"), ["http://127.0.0.1:2379"], dir.Combine("snapshots"), null, null, null, TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<CoordinatorException>(() => new EtcdSnapshots(options, TimeProvider.System).SaveAsync("before-r1", CancellationToken.None));

        Assert.Contains("cannot run", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Combine("snapshots")));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("name with space")]
    public async Task SaveAsync_NameThatIsNotAPlainFileName_IsRefusedBeforeEtcdctlRuns(string name)
    {
        using var dir = new TempDir();
        var snapshots = new EtcdSnapshots(new EtcdOptions("/nonexistent/etcdctl", ["http://127.0.0.1:1"], dir.Path, null, null, null, TimeSpan.FromSeconds(5)), TimeProvider.System);

        var error = await Assert.ThrowsAsync<CoordinatorException>(() => snapshots.SaveAsync(name, CancellationToken.None));

        Assert.Contains("is not a snapshot name", error.Message, StringComparison.Ordinal);
    }

    private static EtcdSnapshots Snapshots(TempDir dir, params string[] endpoints) =>
        new(new EtcdOptions(EtcdServer.Etcdctl, endpoints, dir.Path, null, null, null, TimeSpan.FromSeconds(5)), TimeProvider.System);

    private static async Task<ServerProcess> StartWithKeysAsync()
    {
        var etcd = await EtcdServer.StartAsync();
        try
        {
            foreach (var key in Keys)
            {
                await EtcdServer.PutAsync(etcd, key, "value of " + key);
            }

            return etcd;
        }
        catch
        {
            etcd.Dispose();
            throw;
        }
    }
}
