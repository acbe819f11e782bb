using System.Globalization;
using System.Text.RegularExpressions;

namespace NodeAgent.Operations;

/// <summary>Orders Kubernetes-style versions by major, minor and patch (pre-release and build suffixes ignored).</summary>
internal static partial class VersionOrder
{
    /// <summary>True when <paramref name="version"/> is a lower major.minor.patch than <paramref name="than"/>.</summary>
    public static bool IsOlder(string version, string than) =>
        Parse(version) is { } a && Parse(than) is { } b && a.CompareTo(b) < 0;

    private static (long Major, long Minor, long Patch)? Parse(string version)
    {
        var match = Numbers().Match(version);
        return match.Success
            && long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && long.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            && long.TryParse(match.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var patch)
                ? (major, minor, patch)
                : null;
    }

    [GeneratedRegex(@"^v?([0-9]{1,15})\.([0-9]{1,15})\.([0-9]{1,15})")]
    private static partial Regex Numbers();
}
