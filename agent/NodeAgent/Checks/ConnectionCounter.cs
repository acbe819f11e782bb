using System.Globalization;
using System.Net;

namespace NodeAgent.Checks;

/// <summary>
/// Counts a process's established TCP connections to given endpoints from procfs: the socket inodes among its file
/// descriptors, matched against the ESTABLISHED rows of /proc/PID/net/tcp and tcp6 (the tables of the process's
/// own network namespace).
/// </summary>
internal static class ConnectionCounter
{
    private const string Established = "01";

    /// <summary>Throws <see cref="IOException"/> when the process is gone or its tables cannot be read.</summary>
    public static int Count(int pid, IReadOnlyCollection<IPEndPoint> endpoints)
    {
        var proc = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}";
        var inodes = SocketInodes(Path.Combine(proc, "fd"));
        var count = 0;
        foreach (var table in new[] { "tcp", "tcp6" })
        {
            var path = Path.Combine(proc, "net", table);
            if (!File.Exists(path))
            {
                continue;
            }

            foreach (var line in File.ReadLines(path).Skip(1))
            {
                if (Parse(line) is { } row && row.State == Established && inodes.Contains(row.Inode) && endpoints.Contains(row.Remote))
                {
                    count++;
                }
            }
        }

        return count;
    }

    private static HashSet<string> SocketInodes(string fdDirectory)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.EnumerateFileSystemEntries(fdDirectory))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                // Closed while we looked.
                continue;
            }

            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && target.EndsWith(']'))
            {
                inodes.Add(target["socket:[".Length..^1]);
            }
        }

        return inodes;
    }

    /// <summary>One row: "sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...".</summary>
    private static (IPEndPoint Remote, string State, string Inode)? Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 10)
        {
            return null;
        }

        var remote = fields[2].Split(':');
        return (new IPEndPoint(ApiEndpoint.Normalize(Address(remote[0])), int.Parse(remote[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)), fields[3], fields[9]);
    }

    /// <summary>The kernel prints each 32-bit word of the address as a host-order number: write it back in host order.</summary>
    private static IPAddress Address(string hex)
    {
        var bytes = new byte[hex.Length / 2];
        for (var word = 0; word < bytes.Length / 4; word++)
        {
            var value = uint.Parse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }

        return new IPAddress(bytes);
    }
}
