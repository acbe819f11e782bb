using System.Security.Cryptography;
using NodeAgent.Files;

namespace NodeAgent.Operations;

/// <summary>
/// The journal's checksum: HMAC-SHA256 over a record's bytes (without its checksum), keyed by a random key kept in the
/// state directory (mode 0600, created on first use, never followed through a link). An edited journal file, or one
/// written by someone who cannot read the key, does not verify and is set aside instead of being executed.
/// </summary>
internal sealed class JournalSeal(string keyPath)
{
    public const string Prefix = "hmac-sha256:";
    private const int KeyBytes = 32;
    private readonly Lazy<byte[]> _key = new(() => LoadOrCreate(keyPath), LazyThreadSafetyMode.ExecutionAndPublication);

    public string Compute(ReadOnlySpan<byte> content) => Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(_key.Value, content));

    public bool Verify(ReadOnlySpan<byte> content, string checksum) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(Compute(content)), System.Text.Encoding.ASCII.GetBytes(checksum));

    private static byte[] LoadOrCreate(string path)
    {
        if (Path.Exists(path))
        {
            using var stream = NoFollow.OpenRead(path);
            var key = new byte[KeyBytes + 1];
            var read = stream.ReadAtLeast(key, key.Length, throwOnEndOfStream: false);
            return read == KeyBytes ? key[..KeyBytes] : throw new InvalidDataException($"the journal key {path} is damaged ({read} bytes, {KeyBytes} expected); move the journal aside and delete the key to start afresh");
        }

        var created = RandomNumberGenerator.GetBytes(KeyBytes);
        DurableFile.WriteAtomic(path, created, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return created;
    }
}
