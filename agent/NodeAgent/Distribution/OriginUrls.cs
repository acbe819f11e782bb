namespace NodeAgent.Distribution;

/// <summary>Which URLs an agent may pull from: http(s), no credentials or fragment, under a configured origin prefix.</summary>
internal static class OriginUrls
{
    public const int MaxLength = 2048;

    /// <summary>Null when <paramref name="prefix"/> is a usable Distribution:Origins entry; else why not.</summary>
    public static string? CheckPrefix(string prefix) => Problem(prefix, "origin prefix");

    /// <summary>Null when <paramref name="url"/> may be fetched under <paramref name="origins"/>; else why not.</summary>
    public static string? Check(string url, IReadOnlyList<string> origins)
    {
        if (Problem(url, "url") is { } problem)
        {
            return problem;
        }

        if (origins.Count == 0)
        {
            return "this agent allows no URL sources: list the origin's URL prefix in Distribution:Origins";
        }

        return origins.Any(o => url.StartsWith(o, StringComparison.Ordinal))
            ? null
            : $"{Validation.InputRules.Shorten(url)} is under none of this agent's Distribution:Origins";
    }

    private static string? Problem(string text, string what)
    {
        if (text.Length is 0 or > MaxLength || text.Any(char.IsControl))
        {
            return $"a {what} is 1 to {MaxLength} printable characters";
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return $"{Validation.InputRules.Shorten(text)} is not an http:// or https:// URL";
        }

        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            return $"a {what} may carry no user name, password or fragment";
        }

        return null;
    }
}
