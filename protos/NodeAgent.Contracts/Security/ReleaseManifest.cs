using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace NodeAgent.Contracts.Security;

/// <summary>One artifact of a release: its name and SHA-256 digest.</summary>
public sealed record ManifestEntry(string Name, string Sha256);

/// <summary>
/// What a release key signs: the target version and the name and digest of every artifact. Its canonical text is
/// the signed bytes, so signer and verifier never disagree about encoding:
/// <code>
/// nodeagent-release-manifest v1
/// version v1.17.0
/// artifact kubelet-v1.17.0 &lt;sha256&gt;
/// </code>
/// Artifacts are sorted by name (ordinal); lines end with "\n". Signatures are ECDSA P-256 over SHA-256 in IEEE
/// P1363 form.
/// </summary>
public sealed partial record ReleaseManifest(string Version, IReadOnlyList<ManifestEntry> Artifacts)
{
    /// <summary>Largest manifest text accepted.</summary>
    public const int MaxBytes = 64 * 1024;

    private const string Header = "nodeagent-release-manifest v1";

    public byte[] ToCanonicalBytes()
    {
        var text = new StringBuilder().Append(Header).Append('\n').Append("version ").Append(Version).Append('\n');
        foreach (var entry in Artifacts.OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            text.Append("artifact ").Append(entry.Name).Append(' ').Append(entry.Sha256).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public byte[] Sign(ECDsa key) => key.SignData(ToCanonicalBytes(), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>
    /// Parses canonical manifest text and checks its signature. Throws <see cref="FormatException"/> with the reason
    /// when the text is not canonical or the signature does not verify with <paramref name="publicKey"/>.
    /// </summary>
    public static ReleaseManifest Verify(ReadOnlySpan<byte> manifest, ReadOnlySpan<byte> signature, ECDsa publicKey)
    {
        if (manifest.Length is 0 or > MaxBytes)
        {
            throw new FormatException($"the release manifest must be 1 to {MaxBytes} bytes, not {manifest.Length}");
        }

        if (!publicKey.VerifyData(manifest, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            throw new FormatException("the release manifest's signature does not verify with the configured release key");
        }

        var parsed = Parse(Encoding.UTF8.GetString(manifest));
        if (!parsed.ToCanonicalBytes().AsSpan().SequenceEqual(manifest))
        {
            throw new FormatException("the release manifest is not in canonical form (sorted artifacts, one per line, \\n line ends)");
        }

        return parsed;
    }

    private static ReleaseManifest Parse(string text)
    {
        var lines = text.Split('\n');
        if (lines.Length < 3 || lines[0] != Header || lines[^1].Length != 0)
        {
            throw new FormatException($"the release manifest must start with \"{Header}\" and end with a line break");
        }

        var version = VersionLine().Match(lines[1]);
        if (!version.Success)
        {
            throw new FormatException("the release manifest's second line must be \"version <version>\"");
        }

        var entries = new List<ManifestEntry>();
        for (var i = 2; i < lines.Length - 1; i++)
        {
            var match = ArtifactLine().Match(lines[i]);
            if (!match.Success)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {i + 1} of the release manifest must be \"artifact <name> <sha256>\""));
            }

            entries.Add(new ManifestEntry(match.Groups[1].Value, match.Groups[2].Value));
        }

        return new ReleaseManifest(version.Groups[1].Value, entries);
    }

    [GeneratedRegex(@"^version (v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]{1,48})?)$")]
    private static partial Regex VersionLine();

    [GeneratedRegex("^artifact ([A-Za-z0-9][A-Za-z0-9._+-]{0,127}) ([0-9a-f]{64})$")]
    private static partial Regex ArtifactLine();
}
