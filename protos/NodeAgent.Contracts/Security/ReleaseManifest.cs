using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace NodeAgent.Contracts.Security;

/// <summary>One file a release may install: which component, which of its file roles, and the content's SHA-256.</summary>
public sealed record ManifestFile(string Component, string Role, string Sha256);

/// <summary>
/// What a release key signs: the target version, when the signature stops being accepted, and every
/// (component, file role, digest) the release may install. Binding the slot stops a signed artifact from being
/// installed in another component's place; the expiry stops an old signed release from being replayed forever.
/// Its canonical text is the signed bytes, so signer and verifier never disagree about encoding:
/// <code>
/// nodeagent-release-manifest v1
/// version v1.17.0
/// expires 2026-12-05T10:00:00Z
/// file kubelet binary &lt;sha256&gt;
/// </code>
/// File lines are sorted (ordinal) and unique; lines end with "\n". Signatures are ECDSA P-256 over SHA-256 in
/// IEEE P1363 form.
/// </summary>
public sealed partial record ReleaseManifest(string Version, DateTimeOffset Expires, IReadOnlyList<ManifestFile> Files)
{
    /// <summary>Largest manifest text accepted.</summary>
    public const int MaxBytes = 64 * 1024;

    private const string Header = "nodeagent-release-manifest v1";
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    public byte[] ToCanonicalBytes()
    {
        var text = new StringBuilder()
            .Append(Header).Append('\n')
            .Append("version ").Append(Version).Append('\n')
            .Append("expires ").Append(Expires.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)).Append('\n');
        foreach (var line in Files.Select(f => $"file {f.Component} {f.Role} {f.Sha256}\n").Distinct().Order(StringComparer.Ordinal))
        {
            text.Append(line);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public byte[] Sign(ECDsa key) => key.SignData(ToCanonicalBytes(), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>True when the manifest lets <paramref name="component"/>'s <paramref name="role"/> file become <paramref name="sha256"/>.</summary>
    public bool Allows(string component, string role, string sha256) => Files.Contains(new ManifestFile(component, role, sha256));

    /// <summary>
    /// Checks the signature over the exact bytes, then parses them. Throws <see cref="FormatException"/> with the
    /// reason when the signature does not verify with <paramref name="publicKey"/> or the text is not canonical.
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
            throw new FormatException("the release manifest is not in canonical form (sorted unique file lines, \\n line ends)");
        }

        return parsed;
    }

    private static ReleaseManifest Parse(string text)
    {
        var lines = text.Split('\n');
        if (lines.Length < 4 || lines[0] != Header || lines[^1].Length != 0)
        {
            throw new FormatException($"the release manifest must start with \"{Header}\" and end with a line break");
        }

        var version = VersionLine().Match(lines[1]);
        if (!version.Success)
        {
            throw new FormatException("the release manifest's second line must be \"version <version>\"");
        }

        if (!lines[2].StartsWith("expires ", StringComparison.Ordinal)
            || !DateTimeOffset.TryParseExact(lines[2]["expires ".Length..], TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expires))
        {
            throw new FormatException($"the release manifest's third line must be \"expires <{TimeFormat}>\"");
        }

        var files = new List<ManifestFile>();
        for (var i = 3; i < lines.Length - 1; i++)
        {
            var match = FileLine().Match(lines[i]);
            if (!match.Success)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {i + 1} of the release manifest must be \"file <component> <role> <sha256>\""));
            }

            files.Add(new ManifestFile(match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value));
        }

        return new ReleaseManifest(version.Groups[1].Value, expires, files);
    }

    [GeneratedRegex(@"^version (v?[0-9]+\.[0-9]+\.[0-9]+(?:[-+][0-9A-Za-z.+-]{1,48})?)\z")]
    private static partial Regex VersionLine();

    [GeneratedRegex("^file ([a-z0-9][a-z0-9-]{0,127}) ([a-z0-9][a-z0-9-]{0,127}) ([0-9a-f]{64})\\z")]
    private static partial Regex FileLine();
}
