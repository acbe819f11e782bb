using NodeAgent.Configuration;

namespace NodeAgent.Distribution;

/// <summary>The Distribution section's part of the config validation.</summary>
internal static class DistributionOptionsCheck
{
    public static void Check(List<string> errors, DistributionOptions options)
    {
        foreach (var origin in options.Origins)
        {
            if (OriginUrls.CheckPrefix(origin) is { } problem)
            {
                errors.Add($"Distribution:Origins: {problem}");
            }
        }

        if (options.MaxFetchBytesPerSecond < 0 || options.MaxServeBytesPerSecond < 0)
        {
            errors.Add("Distribution:MaxFetchBytesPerSecond and MaxServeBytesPerSecond: must not be negative (0 turns the limit off)");
        }

        var peerFiles = new[] { options.PeerCertificate, options.PeerKey, options.PeerCa }.Count(f => f is { Length: > 0 });
        if (peerFiles is not (0 or 3))
        {
            errors.Add("Distribution:PeerCertificate, PeerKey and PeerCa: set all three (to fetch from peers) or none");
        }

        if (options.SourceIdleSeconds is <= 0 or > 600)
        {
            errors.Add($"Distribution:SourceIdleSeconds: must be above 0 and at most 600, not {options.SourceIdleSeconds}");
        }
    }
}
