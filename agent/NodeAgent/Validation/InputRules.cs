using System.Text.RegularExpressions;

namespace NodeAgent.Validation;

/// <summary>
/// The shapes every name, digest and id must have at the edge. Each check returns null when the value is
/// fine, or a sentence saying what to fix.
/// </summary>
internal static partial class InputRules
{
    public const int MaxNameLength = 128;

    public static string? CheckDigest(string? value) =>
        value is not null && DigestPattern().IsMatch(value)
            ? null
            : $"must be a SHA-256 digest of exactly 64 lowercase hex characters, not \"{Shorten(value)}\"";

    public static string? CheckArtifactName(string? value) =>
        CheckToken(value, "artifact name", ArtifactNamePattern(), "letters, digits, '.', '_', '-' and '+'");

    public static string? CheckOperationId(string? value) =>
        CheckToken(value, "operation id", OperationIdPattern(), "letters, digits, '.', '_', '-' and ':'");

    public static string? CheckComponentName(string? value) =>
        CheckToken(value, "component name", ComponentNamePattern(), "lowercase letters, digits and '-'");

    public static string? CheckRole(string? value) =>
        CheckToken(value, "file role", ComponentNamePattern(), "lowercase letters, digits and '-'");

    public static string? CheckUnitName(string? value) =>
        CheckToken(value, "unit name", UnitNamePattern(), "letters, digits, '.', '_', '-' and '@'");

    /// <summary>Kubernetes-style versions: "v1.17.0", "1.17.0-rc.1", "v1.17.0+build.3".</summary>
    public static string? CheckVersion(string? value) =>
        value is not null && VersionPattern().IsMatch(value)
            ? null
            : $"must be a version such as \"v1.17.0\" (at most 64 characters), not \"{Shorten(value)}\"";

    private static string? CheckToken(string? value, string what, Regex pattern, string allowed)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{what} is required";
        }

        if (value.Length > MaxNameLength)
        {
            return $"{what} is {value.Length} characters long; at most {MaxNameLength} are allowed";
        }

        if (value is "." or ".." || value.Contains("..", StringComparison.Ordinal))
        {
            return $"{what} \"{Shorten(value)}\" must not contain \"..\"";
        }

        return pattern.IsMatch(value) ? null : $"{what} \"{Shorten(value)}\" may only contain {allowed}";
    }

    /// <summary>Shows a hostile value safely in a message: bounded, control characters escaped.</summary>
    public static string Shorten(string? value)
    {
        if (value is null)
        {
            return "";
        }

        var head = value.Length > 80 ? value[..80] + "…" : value;
        return string.Concat(head.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }

    [GeneratedRegex("^[0-9a-f]{64}\\z")]
    private static partial Regex DigestPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]*\\z")]
    private static partial Regex ArtifactNamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]*\\z")]
    private static partial Regex OperationIdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*\\z")]
    private static partial Regex ComponentNamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]*\\z")]
    private static partial Regex UnitNamePattern();

    [GeneratedRegex(@"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]{1,48})?\z")]
    private static partial Regex VersionPattern();
}
