using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Configuration;
using NodeAgent.Operations;
using NodeAgent.Store;
using NodeAgent.Testing;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Store;

[Trait("Category", "AgentCore")]
public sealed class ArtifactStoreTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly AgentOptions _options;
    private readonly ArtifactStore _store;
    private readonly AgentPaths _paths;

    public ArtifactStoreTests()
    {
        _options = new AgentOptions { StateDir = _dir.Combine("state") };
        _options.Store.MaxArtifactBytes = 1024 * 1024;
        _options.Store.MinFreeBytes = 0;
        _paths = new AgentPaths(_options);
        _paths.EnsureCreated();
        _store = NewStore(null);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Stage_GoodBlob_StoredUnderItsDigest()
    {
        var content = RandomNumberGenerator.GetBytes(300_000);

        var result = await _store.StageAsync(Header("kubelet-v1.17.0", content), Chunks(content), CancellationToken.None);

        Assert.False(result.AlreadyPresent);
        Assert.Equal(content.Length, result.BytesWritten);
        Assert.Equal(content, await File.ReadAllBytesAsync(_store.BlobPath(DigestOf(content))));
        Assert.Equal(["kubelet-v1.17.0"], _store.List().Single().Names);
        Assert.Empty(Directory.EnumerateFiles(_paths.Temp));
    }

    [Fact]
    public async Task Stage_WrongDigest_InvalidArgumentAndNothingLeft()
    {
        var content = RandomNumberGenerator.GetBytes(10_000);
        var header = Header("kubelet", content) with { Digest = DigestOf([1, 2, 3]) };

        var error = await Assert.ThrowsAsync<AgentException>(() => _store.StageAsync(header, Chunks(content), CancellationToken.None));

        Assert.Equal(AgentErrorKind.InvalidArgument, error.Kind);
        Assert.Contains($"hashes to {DigestOf(content)}", error.Message, StringComparison.Ordinal);
        Assert.Empty(_store.List());
        Assert.Empty(Directory.EnumerateFiles(_paths.Temp));
    }

    [Fact]
    public async Task Stage_Duplicate_NoBytesWrittenAndReportedPresent()
    {
        var content = RandomNumberGenerator.GetBytes(5_000);
        await _store.StageAsync(Header("first", content), Chunks(content), CancellationToken.None);
        var before = File.GetLastWriteTimeUtc(_store.BlobPath(DigestOf(content)));

        var again = await _store.StageAsync(Header("second-name", content), ThrowingChunks(), CancellationToken.None);

        Assert.True(again.AlreadyPresent);
        Assert.Equal(0, again.BytesWritten);
        Assert.Equal(0, again.BytesReceived);
        Assert.Equal(before, File.GetLastWriteTimeUtc(_store.BlobPath(DigestOf(content))));
        Assert.Equal(["first", "second-name"], _store.List().Single().Names);
    }

    [Fact]
    public async Task Stage_OverSizeLimit_ResourceExhaustedBeforeReading()
    {
        var header = new StageHeader("huge", DigestOf([1]), _options.Store.MaxArtifactBytes + 1);

        var error = await Assert.ThrowsAsync<AgentException>(() => _store.StageAsync(header, ThrowingChunks(), CancellationToken.None));

        Assert.Equal(AgentErrorKind.ResourceExhausted, error.Kind);
        Assert.Contains("Store:MaxArtifactBytes", error.Message, StringComparison.Ordinal);
        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task Stage_NotEnoughDisk_ResourceExhaustedBeforeWriting()
    {
        _options.Store.MinFreeBytes = long.MaxValue / 2;
        var content = RandomNumberGenerator.GetBytes(1_000);

        var error = await Assert.ThrowsAsync<AgentException>(() => _store.StageAsync(Header("kubelet", content), ThrowingChunks(), CancellationToken.None));

        Assert.Equal(AgentErrorKind.ResourceExhausted, error.Kind);
        Assert.Contains("not enough disk", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_paths.Temp));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(+1)]
    public async Task Stage_StreamLengthDiffersFromHeader_InvalidArgumentAndNothingLeft(int delta)
    {
        var content = RandomNumberGenerator.GetBytes(4_000);
        var header = Header("kubelet", content) with { Size = content.Length + delta };

        var error = await Assert.ThrowsAsync<AgentException>(() => _store.StageAsync(header, Chunks(content), CancellationToken.None));

        Assert.Equal(AgentErrorKind.InvalidArgument, error.Kind);
        Assert.Empty(_store.List());
        Assert.Empty(Directory.EnumerateFiles(_paths.Temp));
    }

    [Fact]
    public async Task Stage_StreamBreaksMidway_NoPartialFileLeft()
    {
        var content = RandomNumberGenerator.GetBytes(200_000);

        await Assert.ThrowsAsync<IOException>(() => _store.StageAsync(Header("kubelet", content), BreakingChunks(content), CancellationToken.None));

        Assert.Empty(_store.List());
        Assert.Empty(Directory.EnumerateFiles(_paths.Temp));
    }

    [Theory]
    [InlineData("../etc/shadow")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("name\nwith-newline")]
    public async Task Stage_HostileName_InvalidArgument(string name)
    {
        var content = RandomNumberGenerator.GetBytes(10);

        var error = await Assert.ThrowsAsync<AgentException>(() => _store.StageAsync(Header(name, content), Chunks(content), CancellationToken.None));

        Assert.Equal(AgentErrorKind.InvalidArgument, error.Kind);
        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task ComputeDigest_BlobChangedOnDisk_ReportsTheNewDigest()
    {
        var content = RandomNumberGenerator.GetBytes(1_000);
        await _store.StageAsync(Header("kubelet", content), Chunks(content), CancellationToken.None);
        await File.WriteAllBytesAsync(_store.BlobPath(DigestOf(content)), [1, 2, 3]);

        var digest = await _store.ComputeDigestAsync(DigestOf(content), CancellationToken.None);

        Assert.Equal(DigestOf([1, 2, 3]), digest);
    }

    [Theory]
    [InlineData("stage.mid-stream=error")]
    [InlineData("stage.before-rename=error")]
    public async Task Stage_IoErrorAtFailpoint_NoPartialFileAndNothingStored(string failpoint)
    {
        var store = NewStore(failpoint);
        var content = RandomNumberGenerator.GetBytes(100_000);

        await Assert.ThrowsAsync<IOException>(() => store.StageAsync(Header("kubelet", content), Chunks(content), CancellationToken.None));

        Assert.Empty(store.List());
        Assert.Empty(Directory.EnumerateFiles(_paths.Temp));
    }

    private ArtifactStore NewStore(string? failpoints) =>
        new(_paths, _options, new Failpoints(failpoints, allowed: true), new FakeTimeProvider(), NullLogger<ArtifactStore>.Instance);

    private static StageHeader Header(string name, byte[] content) => new(name, DigestOf(content), content.Length);

    private static string DigestOf(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Chunks(byte[] content)
    {
        for (var offset = 0; offset < content.Length; offset += 64 * 1024)
        {
            await Task.Yield();
            yield return content.AsMemory(offset, Math.Min(64 * 1024, content.Length - offset));
        }
    }

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> BreakingChunks(byte[] content, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        yield return content.AsMemory(0, 100_000);
        throw new IOException("the client went away");
    }

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> ThrowingChunks()
    {
        await Task.Yield();
        throw new InvalidOperationException("the store must not read content here");
#pragma warning disable CS0162 // An iterator needs a yield; this one is never reached by design.
        yield break;
#pragma warning restore CS0162
    }
}
