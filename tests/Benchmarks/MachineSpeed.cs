using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Benchmarks;

/// <summary>The machine's hashing speeds, in the same run: sha256sum of a file, openssl speed, and the agent's SHA-256.</summary>
internal static class MachineSpeed
{
    /// <summary>Seconds <c>sha256sum</c> takes over <paramref name="path"/>.</summary>
    public static async Task<double> Sha256SumSecondsAsync(string path)
    {
        var watch = Stopwatch.StartNew();
        var output = await RunAsync("sha256sum", path);
        if (output.Length < 64)
        {
            throw new InvalidOperationException($"sha256sum printed \"{output}\"");
        }

        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>Gbit/s of <c>openssl speed -evp sha256</c> at its largest block size.</summary>
    public static async Task<double> OpensslGbpsAsync()
    {
        var output = await RunAsync("openssl", "speed", "-seconds", "2", "-evp", "sha256");
        var line = output.Split('\n').Last(l => l.StartsWith("sha256", StringComparison.OrdinalIgnoreCase) || l.StartsWith("SHA256", StringComparison.Ordinal));
        var last = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1].TrimEnd('k');
        return double.Parse(last, CultureInfo.InvariantCulture) * 1000 * 8 / 1e9;
    }

    /// <summary>Gbit/s of the agent's hashing path: a 1 MiB chunk digest plus the running whole-blob digest, as FetchArtifact does.</summary>
    public static double AgentHashGbps()
    {
        var buffer = new byte[1024 * 1024];
        RandomNumberGenerator.Fill(buffer);
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> digest = stackalloc byte[32];
        const int rounds = 512;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < rounds; i++)
        {
            SHA256.HashData(buffer, digest);
            whole.AppendData(buffer);
        }

        whole.GetHashAndReset();
        return (double)rounds * buffer.Length * 8 / 1e9 / watch.Elapsed.TotalSeconds;
    }

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
