using System.Security.Cryptography;
using Google.Protobuf;
using NodeAgent.Operations;

namespace NodeAgent.Distribution;

/// <summary>
/// The SHA-256 of every fixed-size chunk of a blob, in order. A chunk is written, counted as verified and served
/// onward only when it matches its entry; the whole blob must still match the plan's digest before it is stored.
/// </summary>
internal sealed class ChunkList
{
    public const int MinChunkSize = 64 * 1024;
    public const int MaxChunkSize = 64 * 1024 * 1024;
    public const int MaxChunks = 1024;
    private const int DigestBytes = 32;
    private readonly byte[] _digests;

    private ChunkList(long size, int chunkSize, byte[] digests)
    {
        Size = size;
        ChunkSize = chunkSize;
        _digests = digests;
    }

    public long Size { get; }

    public int ChunkSize { get; }

    public int Count => _digests.Length / DigestBytes;

    /// <summary>Validates the request's chunk list against the blob's size.</summary>
    public static ChunkList Parse(long size, int chunkSize, ByteString digests)
    {
        if (chunkSize < MinChunkSize || chunkSize > MaxChunkSize || (chunkSize & (chunkSize - 1)) != 0)
        {
            throw AgentException.Invalid("chunk_size", $"must be a power of two from {MinChunkSize} to {MaxChunkSize}, not {chunkSize}");
        }

        var count = (size + chunkSize - 1) / chunkSize;
        if (count > MaxChunks)
        {
            throw AgentException.Invalid("chunk_size", $"{size} bytes in chunks of {chunkSize} make {count} chunks; at most {MaxChunks} are allowed, so use larger chunks");
        }

        if (digests.Length != count * DigestBytes)
        {
            throw AgentException.Invalid("chunk_sha256", $"must hold {count} digests of {DigestBytes} bytes ({count * DigestBytes} bytes), not {digests.Length} bytes");
        }

        return new ChunkList(size, chunkSize, digests.ToByteArray());
    }

    /// <summary>The length of chunk <paramref name="index"/> (the last one may be short).</summary>
    public int LengthOf(int index) => (int)Math.Min(ChunkSize, Size - ((long)index * ChunkSize));

    public bool Matches(int index, ReadOnlySpan<byte> chunk)
    {
        Span<byte> actual = stackalloc byte[DigestBytes];
        SHA256.HashData(chunk, actual);
        return actual.SequenceEqual(_digests.AsSpan(index * DigestBytes, DigestBytes));
    }
}
