using System.Net;

namespace NodeAgent.Checks;

/// <summary>Parses the "ip:port" / "[ipv6]:port" form of ApiServer:Endpoints.</summary>
internal static class ApiEndpoint
{
    /// <summary>The endpoint, with an IPv4-mapped IPv6 address turned into IPv4; null when it is not an IP address with a port 1-65535.</summary>
    public static IPEndPoint? Parse(string text)
    {
        if (!IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0)
        {
            return null;
        }

        return new IPEndPoint(Normalize(endpoint.Address), endpoint.Port);
    }

    /// <summary>IPv4-mapped IPv6 (::ffff:a.b.c.d, how a dual-stack socket shows an IPv4 peer) as plain IPv4; no scope.</summary>
    public static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : new IPAddress(address.GetAddressBytes());
}
