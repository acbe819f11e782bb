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
    public static string Shorten(string? value) => Escape(value, 80);

    /// <summary>
    /// A caller's or certificate's text made safe for every log target and message: at most
    /// <paramref name="maxChars"/> characters (then "…"), with control, format (bidi overrides, zero-width) and line or
    /// paragraph separator characters, and lone surrogates, written as \uXXXX so no value can forge a line or hide text.
    /// </summary>
    public static string Escape(string? value, int maxChars)
    {
        if (value is null)
        {
            return "";
        }

        var head = value.Length > maxChars ? value[..maxChars] : value;
        var text = new System.Text.StringBuilder(head.Length + 8);
        for (var i = 0; i < head.Length; i++)
        {
            var c = head[i];
            var paired = char.IsSurrogatePair(head, i) || (i > 0 && char.IsSurrogatePair(head[i - 1], c));
            if (NeedsEscape(c) || (char.IsSurrogate(c) && !paired))
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                text.Append(c);
            }
        }

        return value.Length > maxChars ? text.Append('…').ToString() : text.ToString();
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || char.GetUnicodeCategory(c) is
        System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator;

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

    [GeneratedRegex(@"^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]{1,48})?\z")]
    private static partial Regex VersionPattern();
}
