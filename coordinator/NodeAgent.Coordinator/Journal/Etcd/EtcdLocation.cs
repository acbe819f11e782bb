using System.Text.RegularExpressions;

namespace NodeAgent.Coordinator.Journal.Etcd;

/// <summary>
/// <c>--journal etcd://HOST:PORT[,HOST:PORT...]/PREFIX</c>: the etcd members to talk to and the key prefix under which
/// this coordinator's rollouts live (several fleets can share one etcd under different prefixes).
/// </summary>
internal sealed partial record EtcdLocation(IReadOnlyList<string> Endpoints, string Prefix)
{
    public const string Scheme = "etcd://";

    public static bool IsEtcd(string journal) => journal.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses the flag's value; every mistake is one sentence that says what a good value looks like.</summary>
    public static EtcdLocation Parse(string journal)
    {
        const string Example = "for example --journal etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379/nodeagent";
        var rest = journal[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || slash == rest.Length - 1)
        {
            throw new ArgumentException($"{journal}: name a key prefix after the endpoints; {Example}");
        }

        var prefix = rest[(slash + 1)..].TrimEnd('/');
        if (prefix.Length > 128 || !PrefixPattern().IsMatch(prefix) || prefix.Split('/').Any(p => p is "." or ".."))
        {
            throw new ArgumentException($"{journal}: the prefix '{prefix}' may hold only letters, digits, '.', '_', '-' and '/' between names (at most 128 characters); {Example}");
        }

        var endpoints = rest[..slash].Split(',', StringSplitOptions.TrimEntries);
        foreach (var endpoint in endpoints)
        {
            if (!EndpointPattern().IsMatch(endpoint) || !int.TryParse(endpoint[(endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new ArgumentException($"{journal}: '{endpoint}' is not HOST:PORT (an etcd client URL without its scheme, port 1 to 65535); {Example}");
            }
        }

        if (endpoints.Length > 9)
        {
            throw new ArgumentException($"{journal}: {endpoints.Length} endpoints; an etcd cluster has at most 9 members worth naming");
        }

        return new EtcdLocation(endpoints, "/" + prefix);
    }

    public override string ToString() => $"{Scheme}{string.Join(',', Endpoints)}{Prefix}";

    [GeneratedRegex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")]
    private static partial Regex PrefixPattern();

    [GeneratedRegex(@"^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$")]
    private static partial Regex EndpointPattern();
}
