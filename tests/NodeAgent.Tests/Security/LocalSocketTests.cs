using System.Diagnostics;
using System.Text.Json;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Security;

/// <summary>The Unix socket admits root (and a configured group) by the kernel's SO_PEERCRED, not only by file mode.</summary>
[Trait("Category", "Security")]
public sealed class LocalSocketTests
{
    private const int Nobody = 65534;

    [Fact]
    public async Task NonRootPeer_IsRefused_EvenWhenTheSocketModeIsLoosened()
    {
        await using var node = await TestNode.StartAsync();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(node.Socket));

        // Someone loosens the permissions (a chmod by mistake): the peer check still stands.
        OpenToEveryone(node);
        File.SetUnixFileMode(Path.GetDirectoryName(node.Socket)!, (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(node.Socket, (UnixFileMode)Convert.ToInt32("666", 8));
        var before = DiskSnapshot.Take(node);

        var (code, _, error) = await AgentctlAsAsync(node, Nobody, Nobody, "backup", "kubelet", "--id", "from-nobody");

        Assert.True(code == 8, $"exit {code}: {error}");
        Assert.Contains($"uid {Nobody} may not use the agent's socket; only root may", error, StringComparison.Ordinal);
        Assert.Empty(before.Diff(DiskSnapshot.Take(node)));
        var audit = await node.CtlAsync("audit", "--caller", $"uid={Nobody}", "-o", "json");
        using var json = JsonDocument.Parse(audit.Out);
        var entry = Assert.Single(json.RootElement.GetProperty("entries").EnumerateArray());
        Assert.Equal("PermissionDenied", entry.GetProperty("outcome").GetString());
        Assert.Equal("Backup", entry.GetProperty("method").GetString());
        Assert.Equal("unix", entry.GetProperty("transport").GetString());
    }

    [Fact]
    public async Task ConfiguredGroup_OwnsTheSocket_AndItsMembersAreAdmitted()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { SecurityYaml = "  socketGroup: nogroup\n" });
        var socketDirectory = Path.GetDirectoryName(node.Socket)!;
        Assert.Equal((UnixFileMode)Convert.ToInt32("660", 8), File.GetUnixFileMode(node.Socket));
        Assert.Equal((UnixFileMode)Convert.ToInt32("750", 8), File.GetUnixFileMode(socketDirectory));
        Assert.Equal(Nobody, GroupOf(node.Socket));
        Assert.Equal(Nobody, GroupOf(socketDirectory));
        OpenToEveryone(node);

        var (code, output, error) = await AgentctlAsAsync(node, Nobody, Nobody, "status");

        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains("node test-node", output, StringComparison.Ordinal);
    }

    /// <summary>Lets other users traverse the test's temp directory (it is 0700), as /run is on a real node.</summary>
    private static void OpenToEveryone(TestNode node) =>
        File.SetUnixFileMode(node.Dir.Path, (UnixFileMode)Convert.ToInt32("755", 8));

    private static int GroupOf(string path)
    {
        var stat = NodeAgent.Native.Libc.Stat(path);
        Assert.NotNull(stat);
        return (int)stat.Value.Gid;
    }

    /// <summary>Runs agentctl (from this test's output) as another user with setpriv, against the node's socket.</summary>
    private static async Task<(int Code, string Output, string Error)> AgentctlAsAsync(TestNode node, int uid, int gid, params string[] args)
    {
        var start = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { $"--reuid={uid}", $"--regid={gid}", "--clear-groups", StandIn.DotnetHost, Path.Combine(AppContext.BaseDirectory, "agentctl.dll"), "--socket", node.Socket })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = node.Dir.Path;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
