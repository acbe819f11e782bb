using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Configuration;
using NodeAgent.Contracts.V1;
using NodeAgent.Security;
using NodeAgent.Store;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Security;

/// <summary>The agent's directories are its own, and nothing inside them makes it follow a planted link.</summary>
[Trait("Category", "Security")]
public sealed class OwnedDirectoryTests
{
    private static readonly UnixFileMode Everyone = (UnixFileMode)Convert.ToInt32("777", 8);

    [Fact]
    public async Task Agent_OnAStateDirectoryWritableByOthers_RefusesToStart_NamingPathAndMode()
    {
        await using var node = TestNode.Create();
        Directory.CreateDirectory(node.StateDir);
        File.SetUnixFileMode(node.StateDir, Everyone);

        var refused = await Assert.ThrowsAsync<AgentConfigException>(node.StartAgentAsync);

        Assert.Contains($"StateDir: {node.StateDir} is owned by uid 0 with mode 0777", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(node.StateDir, "agent.lock")));
    }

    [Fact]
    public async Task Agent_OnASocketDirectoryOwnedBySomeoneElse_RefusesToStart()
    {
        await using var node = TestNode.Create();
        var socketDir = Path.GetDirectoryName(node.Socket)!;
        Directory.CreateDirectory(socketDir);
        var chown = System.Diagnostics.Process.Start("chown", ["nobody", socketDir])!;
        await chown.WaitForExitAsync();

        var refused = await Assert.ThrowsAsync<AgentConfigException>(node.StartAgentAsync);

        Assert.Contains($"Listeners:UnixSocket: {socketDir} is owned by uid 65534", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_OnAStateDirectoryThatIsALink_RefusesToStart()
    {
        await using var node = TestNode.Create();
        var elsewhere = node.Dir.Combine("elsewhere");
        Directory.CreateDirectory(elsewhere);
        Directory.CreateSymbolicLink(node.StateDir, elsewhere);

        var refused = await Assert.ThrowsAsync<AgentConfigException>(node.StartAgentAsync);

        Assert.Contains("is not a directory", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlantedLinks_ForTheAuditFileAndTheLock_AreNeverFollowed()
    {
        using var dir = new TempDir();
        var victim = dir.Combine("victim");
        await File.WriteAllTextAsync(victim, "root's file\n");
        var options = new AgentOptions { StateDir = dir.Combine("state") };
        var paths = new AgentPaths(options);
        paths.EnsureCreated();
        File.CreateSymbolicLink(Path.Combine(paths.Audit, "audit.jsonl"), victim);
        File.CreateSymbolicLink(Path.Combine(paths.StateDir, "agent.lock"), victim);
        var audit = new AuditLog(paths, options, TimeProvider.System, NullLogger<AuditLog>.Instance);

        audit.Record(new AuditEntry { Caller = "uid=0", Method = "Apply", Outcome = "OK" });
        var locked = Assert.Throws<AgentConfigException>(() => StateDirLock.Acquire(options.StateDir));

        Assert.Equal("root's file\n", await File.ReadAllTextAsync(victim));
        Assert.Contains("symbolic link", locked.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_LinkedTempDirectory_IsReplaced_NotEmptiedThroughTheLink()
    {
        await using var node = TestNode.Create();
        var elsewhere = node.Dir.Combine("precious");
        Directory.CreateDirectory(elsewhere);
        await File.WriteAllTextAsync(Path.Combine(elsewhere, "keep"), "x");
        Directory.CreateDirectory(node.StateDir, (UnixFileMode)Convert.ToInt32("700", 8));
        Directory.CreateSymbolicLink(Path.Combine(node.StateDir, "tmp"), elsewhere);

        await node.StartAgentAsync();

        Assert.True(File.Exists(Path.Combine(elsewhere, "keep")));
        Assert.Null(new DirectoryInfo(Path.Combine(node.StateDir, "tmp")).LinkTarget);
    }

    [Fact]
    public async Task NewFileBesideTheTarget_HasItsFinalModeBeforeItsContentArrives()
    {
        using var dir = new TempDir();
        var source = dir.Combine("source.fifo");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [source])!)
        {
            await mkfifo.WaitForExitAsync();
        }

        var target = dir.Combine("config.yaml" + NodeAgent.Files.DurableFile.NewSuffix);
        var copy = Task.Run(() => NodeAgent.Files.DurableFile.CopyDurableAsync(source, target, UnixFileMode.UserRead | UnixFileMode.UserWrite, CancellationToken.None));
        await using (var writer = new FileStream(source, FileMode.Open, FileAccess.Write))
        {
            await Eventually.TrueAsync(() => Task.FromResult(File.Exists(target)), TimeSpan.FromSeconds(20), "the new file to be created");
            var whileEmpty = File.GetUnixFileMode(target);
            await writer.WriteAsync("token: secret\n"u8.ToArray());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, whileEmpty);
        }

        await copy;
        Assert.Equal("token: secret\n", await File.ReadAllTextAsync(target));
    }

    [Fact]
    public async Task AgentProcess_SetsItsOwnUmask077()
    {
        await using var node = TestNode.Create();
        await using var agent = await AgentProcess.StartAsync(node);

        Assert.Equal("0077", agent.Umask());
    }
}
