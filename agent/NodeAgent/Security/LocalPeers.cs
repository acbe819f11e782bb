using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace NodeAgent.Security;

/// <summary>
/// The credentials the kernel reports for the process at the other end of a Unix socket, taken when it connected:
/// SO_PEERCRED (pid, uid, gid) and SO_PEERGROUPS (supplementary groups).
/// </summary>
internal sealed record PeerCredential(int Pid, uint Uid, uint Gid, IReadOnlyList<uint> Groups);

/// <summary>
/// Reads SO_PEERCRED for every connection to the Unix socket and keeps it by connection id for the call gate.
/// The socket file's mode already keeps other users out; this check holds even if that mode is loosened.
/// </summary>
internal sealed class LocalPeers
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int SoPeerGroups = 59;

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
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred) != 12)
            {
                return null;
            }

            var pid = BinaryPrimitives.ReadInt32LittleEndian(ucred);
            return new PeerCredential(pid, BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]), BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]), Groups(socket, pid));
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

        return Native.Libc.GroupId(group);
    }

    /// <summary>True when the peer's primary or supplementary groups include <paramref name="gid"/>.</summary>
    public static bool InGroup(PeerCredential peer, uint gid) => peer.Gid == gid || peer.Groups.Contains(gid);

    /// <summary>
    /// The peer's supplementary groups as the kernel recorded them at connect (SO_PEERGROUPS, Linux 4.13+); on older
    /// kernels, read from /proc at connect time.
    /// </summary>
    private static uint[] Groups(Socket socket, int pid)
    {
        var buffer = new byte[4 * 1024];
        try
        {
            var length = socket.GetRawSocketOption(SolSocket, SoPeerGroups, buffer);
            return Enumerable.Range(0, length / 4).Select(i => BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(i * 4))).ToArray();
        }
        catch (SocketException)
        {
            try
            {
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Groups:", StringComparison.Ordinal)) ?? "Groups:";
                return line["Groups:".Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                    .Select(g => uint.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out var member) ? member : uint.MaxValue)
                    .Where(g => g != uint.MaxValue)
                    .ToArray();
            }
            catch (IOException)
            {
                return [];
            }
        }
    }
}
