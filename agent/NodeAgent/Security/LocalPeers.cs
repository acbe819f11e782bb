using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace NodeAgent.Security;

/// <summary>The credentials the kernel reports for the process at the other end of a Unix socket (SO_PEERCRED).</summary>
internal sealed record PeerCredential(int Pid, uint Uid, uint Gid);

/// <summary>
/// Reads SO_PEERCRED for every connection to the Unix socket and keeps it by connection id for the call gate.
/// The socket file's mode already keeps other users out; this check holds even if that mode is loosened.
/// </summary>
internal sealed class LocalPeers
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    private readonly ConcurrentDictionary<string, PeerCredential?> _peers = new(StringComparer.Ordinal);

    /// <summary>Kestrel connection middleware for the Unix-socket listener.</summary>
    public Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => async connection =>
    {
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        _peers[connection.ConnectionId] = socket is null ? null : Read(socket);
        try
        {
            await next(connection);
        }
        finally
        {
            _peers.TryRemove(connection.ConnectionId, out _);
        }
    };

    /// <summary>True when the connection came through the Unix socket; <paramref name="peer"/> is null if the kernel gave no credentials.</summary>
    public bool TryGet(string connectionId, out PeerCredential? peer) => _peers.TryGetValue(connectionId, out peer);

    private static PeerCredential? Read(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[12];
        try
        {
            return socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) == 12
                ? new PeerCredential(BinaryPrimitives.ReadInt32LittleEndian(ucred), BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]), BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]))
                : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>The gid of a group given by name or number, or null when there is no such group.</summary>
    public static uint? ResolveGroup(string group)
    {
        if (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
        {
            return gid;
        }

        try
        {
            return (uint)new Mono.Unix.UnixGroupInfo(group).GroupId;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>True when the peer's primary or supplementary groups (from /proc) include <paramref name="gid"/>.</summary>
    public static bool InGroup(PeerCredential peer, uint gid)
    {
        if (peer.Gid == gid)
        {
            return true;
        }

        try
        {
            var groups = File.ReadLines($"/proc/{peer.Pid}/status").FirstOrDefault(l => l.StartsWith("Groups:", StringComparison.Ordinal));
            return groups is not null && groups["Groups:".Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                .Any(g => uint.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out var member) && member == gid);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
