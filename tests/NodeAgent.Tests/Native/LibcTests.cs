using System.Diagnostics;
using System.Globalization;
using NodeAgent.Native;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Native;

/// <summary>The direct glibc bindings agree with coreutils' stat and df about the same files.</summary>
[Trait("Category", "RealSystemd")]
public sealed class LibcTests
{
    [Fact]
    public async Task Stat_MatchesCoreutilsStat_ForDeviceInodeSizeTimesAndOwner()
    {
        using var dir = new TempDir();
        var path = dir.Combine("file");
        await File.WriteAllTextAsync(path, "twelve bytes");

        var stat = Libc.Stat(path);
        var expected = (await RunAsync("stat", "-c", "%d %i %s %Y %Z %u %g", path)).Split(' ');

        Assert.NotNull(stat);
        ulong[] actual = [stat.Value.Device, stat.Value.Inode, (ulong)stat.Value.Size, (ulong)stat.Value.MtimeSeconds, (ulong)stat.Value.CtimeSeconds, stat.Value.Uid, stat.Value.Gid];
        Assert.Equal(expected.Select(v => ulong.Parse(v, CultureInfo.InvariantCulture)).ToList(), actual.ToList());
        Assert.Null(Libc.Stat(dir.Combine("missing")));
    }

    [Fact]
    public async Task AvailableBytes_MatchesDf_AndGroupIdMatchesGetent()
    {
        using var dir = new TempDir();
        var df = long.Parse((await RunAsync("df", "--output=avail", "-B1", dir.Path)).Split('\n')[^1].Trim(), CultureInfo.InvariantCulture);
        var available = Libc.AvailableBytes(dir.Path);
        Assert.NotNull(available);
        Assert.InRange(available.Value, df - (64L * 1024 * 1024), df + (64L * 1024 * 1024));

        var nogroup = uint.Parse((await RunAsync("getent", "group", "nogroup")).Split(':')[2], CultureInfo.InvariantCulture);
        Assert.Equal(nogroup, Libc.GroupId("nogroup"));
        Assert.Null(Libc.GroupId($"no-such-group-{Guid.NewGuid():N}"[..30]));
    }

    private static async Task<string> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return output.Trim();
    }
}
