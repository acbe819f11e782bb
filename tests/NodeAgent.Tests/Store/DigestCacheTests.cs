using System.Security.Cryptography;
using NodeAgent.Files;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Store;

[Trait("Category", "AgentCore")]
public sealed class DigestCacheTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Digest_FileReplacedOrEditedInPlaceOrRemoved_FollowsTheFile()
    {
        var cache = new DigestCache();
        var path = _dir.Combine("kubelet");
        await File.WriteAllTextAsync(path, "v1");
        var first = await cache.DigestAsync(path, CancellationToken.None);

        var replacement = _dir.Combine("kubelet.new");
        await File.WriteAllTextAsync(replacement, "v2");
        File.Move(replacement, path, overwrite: true);
        var afterRename = await cache.DigestAsync(path, CancellationToken.None);
        await File.AppendAllTextAsync(path, " patched");
        var afterEdit = await cache.DigestAsync(path, CancellationToken.None);
        File.Delete(path);
        var afterDelete = await cache.DigestAsync(path, CancellationToken.None);

        Assert.Equal(Hex("v1"), first);
        Assert.Equal(Hex("v2"), afterRename);
        Assert.Equal(Hex("v2 patched"), afterEdit);
        Assert.Null(afterDelete);
    }

    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
