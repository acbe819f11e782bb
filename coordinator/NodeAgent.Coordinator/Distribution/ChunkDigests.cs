using System.Security.Cryptography;
using Google.Protobuf;

namespace NodeAgent.Coordinator.Distribution;

/// <summary>
/// The chunk list of a blob (docs/agent/distribution.md): the SHA-256 of every chunk, computed in the same pass that
/// checks the whole content against the plan's digest, so a list is only ever handed out for the plan's content.
/// </summary>
internal sealed record ChunkDigests(int ChunkSize, ByteString Digests)
{
    public const int MinChunkSize = 1024 * 1024;
    public const int MaxChunks = 1024;

    /// <summary>The smallest power of two from 1 MiB that cuts <paramref name="size"/> into at most 1024 chunks.</summary>
    public static int ChunkSizeFor(long size)
    {
        var chunk = MinChunkSize;
        while ((size + chunk - 1) / chunk > MaxChunks)
        {
            chunk *= 2;
        }

        return chunk;
    }

    /// <summary>Reads <paramref name="content"/> once; throws when it does not hash to <paramref name="sha256"/> or is not <paramref name="size"/> bytes.</summary>
    public static async Task<ChunkDigests> ComputeAsync(Stream content, long size, string sha256, CancellationToken cancellationToken)
    {
        var chunkSize = ChunkSizeFor(size);
        var buffer = new byte[chunkSize];
        var list = new MemoryStream();
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        while (true)
        {
            var filled = await content.ReadAtLeastAsync(buffer, chunkSize, throwOnEndOfStream: false, cancellationToken);
            if (filled == 0)
            {
                break;
            }

            whole.AppendData(buffer, 0, filled);
            list.Write(SHA256.HashData(buffer.AsSpan(0, filled)));
            total += filled;
        }

        var actual = Convert.ToHexStringLower(whole.GetHashAndReset());
        if (total != size || actual != sha256)
        {
            throw new InvalidDataException($"the content is {total} bytes hashing to {actual}; the plan says {size} bytes hashing to {sha256}");
        }

        return new ChunkDigests(chunkSize, ByteString.CopyFrom(list.ToArray()));
    }
}
