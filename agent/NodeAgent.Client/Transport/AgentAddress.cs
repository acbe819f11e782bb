using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NodeAgent.Client.Transport;

/// <summary>
/// Where an agent listens, as an operator writes it: <c>unix:/path</c> (the local socket), <c>host:port</c>, or
/// <c>[v6]:port</c>. Parsed once at the edge so that a typo becomes a sentence, not a stack trace.
/// </summary>
public sealed record AgentAddress
{
    private AgentAddress(string? socketPath, string? host, int port)
    {
        SocketPath = socketPath;
        Host = host;
        Port = port;
    }

    /// <summary>The Unix socket's absolute path, or null for TCP.</summary>
    public string? SocketPath { get; }

    /// <summary>The host name or IP literal (without brackets), or null for a Unix socket.</summary>
    public string? Host { get; }

    /// <summary>The TCP port, or 0 for a Unix socket.</summary>
    public int Port { get; }

    /// <summary>True for a Unix socket or a loopback host: traffic that never leaves the machine.</summary>
    public bool IsLocal => SocketPath is not null || Host == "localhost" || (IPAddress.TryParse(Host, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>The authority part of a URI (<c>host:port</c>, <c>[v6]:port</c>).</summary>
    public string Authority => Host is not null && Host.Contains(':', StringComparison.Ordinal)
        ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}"
        : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A Unix socket address; a relative path is resolved against the current directory.</summary>
    public static AgentAddress Unix(string path) => new(Path.GetFullPath(path), null, 0);

    /// <summary>Reads <paramref name="text"/>; on failure <paramref name="error"/> says what to write instead.</summary>
    public static bool TryParse(string text, out AgentAddress? address, out string error)
    {
        address = null;
        error = "";
        if (text.Length == 0 || text.Length > 4096 || text.Any(char.IsControl))
        {
            error = "an agent address is unix:/path, host:port or [v6]:port";
            return false;
        }

        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = text["unix:".Length..];
            if (path.Length == 0)
            {
                error = $"\"{text}\" names no socket: write unix:/run/nodeagent/agent.sock";
                return false;
            }

            address = Unix(path);
            return true;
        }

        if (text.Contains("://", StringComparison.Ordinal))
        {
            error = $"\"{text}\" is a URL: write host:port (TLS is chosen by the certificate flags), or unix:/path";
            return false;
        }

        string host;
        string portText;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                error = $"\"{text}\" is not [v6]:port, for example [::1]:7443";
                return false;
            }

            host = text[1..close];
            portText = text[(close + 2)..];
            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"\"{host}\" in brackets is not an IPv6 address";
                return false;
            }
        }
        else
        {
            var colons = text.Count(c => c == ':');
            if (colons > 1)
            {
                error = IPAddress.TryParse(text[..text.LastIndexOf(':')], out _)
                    ? $"IPv6 addresses go in brackets: [{text[..text.LastIndexOf(':')]}]:{text[(text.LastIndexOf(':') + 1)..]}"
                    : $"\"{text}\" is not host:port; IPv6 addresses go in brackets, as [::1]:7443";
                return false;
            }

            if (colons == 0)
            {
                error = Uri.CheckHostName(text) is UriHostNameType.Dns or UriHostNameType.IPv4
                    ? $"\"{text}\" has no port: write {text}:7443 (host:port), or unix:/path for a socket"
                    : $"\"{text}\" is not an agent address: write unix:/path, host:port or [v6]:port";
                return false;
            }

            host = text[..text.IndexOf(':', StringComparison.Ordinal)];
            portText = text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..];
            if (host.Length == 0 || host.Length > 253 || Uri.CheckHostName(host) is UriHostNameType.Unknown or UriHostNameType.Basic)
            {
                error = $"\"{host}\" is not a host name or IP address";
                return false;
            }
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"\"{portText}\" is not a port from 1 to 65535";
            return false;
        }

        address = new AgentAddress(null, host, port);
        return true;
    }

    /// <summary>Reads <paramref name="text"/> or throws <see cref="FormatException"/> with the reason.</summary>
    public static AgentAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address! : throw new FormatException(error);

    /// <summary>The form <see cref="Parse"/> reads back: <c>unix:/path</c>, <c>host:port</c> or <c>[v6]:port</c>.</summary>
    public override string ToString() => SocketPath is not null ? $"unix:{SocketPath}" : Authority;
}
