using System.Net.Sockets;
using System.Security.Authentication;
using Grpc.Core;

namespace NodeAgent.Client.Transport;

/// <summary>
/// One short sentence for "the agent did not answer", the same in agentctl, the coordinator and its report:
/// <c>node-7 (unix:/run/nodeagent/agent.sock): no agent listening (connection refused)</c>.
/// </summary>
public static class TransportErrors
{
    /// <summary>True when <paramref name="ex"/> means the call never reached an agent (nothing was asked of it).</summary>
    public static bool IsUnreachable(RpcException ex) =>
        ex.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown && Causes(ex).Any(c => c is SocketException or AuthenticationException or HttpRequestException);

    /// <summary><c>NAME (ADDRESS): CAUSE</c>; the name is left out when it is the address itself.</summary>
    public static string Describe(string name, string address, Exception ex)
    {
        var who = name.Length == 0 || name == address ? address : $"{name} ({address})";
        return $"{who}: {Cause(ex, address)}";
    }

    /// <summary>The root cause in words an operator acts on.</summary>
    public static string Cause(Exception ex, string address)
    {
        var causes = Causes(ex).ToList();
        if (causes.OfType<AuthenticationException>().FirstOrDefault() is { } tls)
        {
            return $"TLS handshake failed ({Innermost(tls).Message.TrimEnd('.')}); check --tls-ca and the agent's certificate";
        }

        if (causes.OfType<SocketException>().FirstOrDefault() is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "no agent listening (connection refused)",
                SocketError.AccessDenied => "permission denied on the socket (run as root or as a member of the agent's socketGroup)",
                SocketError.AddressNotAvailable or SocketError.HostNotFound when address.StartsWith("unix:", StringComparison.Ordinal) =>
                    "no such socket (is the agent running, and is this its listeners.unixSocket?)",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "unknown host (DNS lookup failed)",
                SocketError.TimedOut => "no answer (connection timed out)",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => "no route to the host",
                SocketError.ConnectionReset or SocketError.ConnectionAborted => "the connection was closed by the other side (an agent that requires TLS?)",
                _ => socket.Message.TrimEnd('.'),
            };
        }

        if (ex is RpcException { StatusCode: StatusCode.DeadlineExceeded })
        {
            return "no answer before the deadline";
        }

        return Innermost(ex) is var root && root is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : root.Message.TrimEnd('.');
    }

    private static IEnumerable<Exception> Causes(Exception ex)
    {
        for (Exception? current = ex; current is not null; current = current is RpcException rpc && rpc.Status.DebugException is { } debug && current.InnerException is null ? debug : current.InnerException)
        {
            yield return current;
            if (current is AggregateException aggregate && aggregate.InnerExceptions.Count > 0)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Causes))
                {
                    yield return inner;
                }

                yield break;
            }
        }
    }

    private static Exception Innermost(Exception ex) => Causes(ex).Last();
}
