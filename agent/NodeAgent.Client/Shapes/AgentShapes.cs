using System.Text.RegularExpressions;

namespace NodeAgent.Client.Shapes;

/// <summary>The shapes of values the agent checks (digest, version), so a caller refuses them before a call does.</summary>
public static partial class AgentShapes
{
    /// <summary>A lower-case hex SHA-256 digest, 64 characters.</summary>
    public static bool IsDigest(string value) => Digest().IsMatch(value);

    /// <summary>A release version such as <c>v1.17.0</c> or <c>1.17.0-rc.1</c>.</summary>
    public static bool IsVersion(string value) => Version().IsMatch(value);

    /// <summary>The digest pattern, for a parser that takes a <see cref="Regex"/>.</summary>
    [GeneratedRegex("^[0-9a-f]{64}\\z")]
    public static partial Regex Digest();

    /// <summary>The version pattern, for a parser that takes a <see cref="Regex"/>.</summary>
    [GeneratedRegex(@"^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]{1,48})?\z")]
    public static partial Regex Version();
}
