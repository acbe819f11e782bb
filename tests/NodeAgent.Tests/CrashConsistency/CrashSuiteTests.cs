using System.Globalization;
using NodeAgent.Contracts.V1;
using NodeAgent.Testing;
using NodeAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NodeAgent.Tests.CrashConsistency;

/// <summary>
/// The agent as a real process, killed with SIGKILL at every failpoint of the apply, the rollback and staging,
/// and at random moments; started again, the node must be consistent (see <see cref="CrashInvariants"/>).
/// </summary>
[Trait("Category", "CrashConsistency")]
public sealed class CrashSuiteTests(ITestOutputHelper output)
{
    private const string OperationId = "crash-1";
    private static readonly Google.Protobuf.WellKnownTypes.Duration HealthTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(10));

    [Fact]
    public async Task CrashSuite_KillAtEveryFailpointAndAtRandom_EveryComponentWhollyOldOrNew()
    {
        var hit = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        var cases = 0;

        foreach (var failpoint in Failpoints.All.Where(f => f.StartsWith("swap.", StringComparison.Ordinal)))
        {
            cases += 2;
            problems.AddRange(await ApplyCaseAsync(failpoint, "kubelet-v1.17.0", "v1.17.0", hit));
            problems.AddRange(await ExplicitRollbackCaseAsync(failpoint, hit));
        }

        foreach (var failpoint in Failpoints.All.Where(f => f.StartsWith("rollback.", StringComparison.Ordinal)))
        {
            cases++;
            problems.AddRange(await ApplyCaseAsync(failpoint, "kubelet-v1.17.1-broken", "v1.17.1", hit));
        }

        foreach (var failpoint in Failpoints.All.Where(f => f.StartsWith("link.", StringComparison.Ordinal)))
        {
            foreach (var layout in new[] { InstallLayout.FileLink, InstallLayout.DirectoryLink })
            {
                cases++;
                problems.AddRange(failpoint.StartsWith("link.rollback.", StringComparison.Ordinal)
                    ? await ApplyCaseAsync(failpoint, "kubelet-v1.17.1-broken", "v1.17.1", hit, layout)
                    : await ApplyCaseAsync(failpoint, "kubelet-v1.17.0", "v1.17.0", hit, layout));
            }
        }

        foreach (var failpoint in Failpoints.All.Where(f => f.StartsWith("stage.", StringComparison.Ordinal)))
        {
            cases++;
            problems.AddRange(await StageCaseAsync(failpoint, hit));
        }

        var iterations = int.Parse(Environment.GetEnvironmentVariable("NODEAGENT_CRASH_ITERATIONS") ?? "6", CultureInfo.InvariantCulture);
        var seed = Environment.GetEnvironmentVariable("NODEAGENT_CRASH_SEED") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        Report($"random kills: seed {seed} (set NODEAGENT_CRASH_SEED={seed} to replay), {iterations} iterations");
        var random = new Random(seed);
        for (var i = 0; i < iterations; i++)
        {
            problems.AddRange(await RandomKillCaseAsync(i, TimeSpan.FromMilliseconds(random.Next(0, 1500))));
        }

        var unexercised = Failpoints.All.Except(hit).ToList();
        problems.AddRange(unexercised.Select(f => $"failpoint {f} exists but the suite never hit it"));
        Report($"crash points: {cases}, iterations: {iterations}, inconsistent: {problems.Count}");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>An apply killed at <paramref name="failpoint"/>, then the agent started again; returns every broken invariant.</summary>
    internal static async Task<IReadOnlyList<string>> ApplyCaseAsync(string failpoint, string artifact, string version, HashSet<string> hit, InstallLayout layout = InstallLayout.Plain)
    {
        await using var node = TestNode.Create(new TestNodeOptions { AllowFailpoints = true, Layout = layout });
        var oldSet = FileSet.Current(node, "v1.10.11");
        var newSet = new FileSet(version, File.ReadAllBytes(node.Artifact(artifact)), File.ReadAllBytes(node.Artifact("kubelet-config-v1.17.json")));
        var request = new ApplyRequest
        {
            OperationId = OperationId,
            Component = "kubelet",
            TargetVersion = version,
            Marker = new MarkerOptions { Write = true },
            HealthTimeout = failpoint.Contains("rollback.", StringComparison.Ordinal) ? Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) : HealthTimeout,
            Files =
            {
                new TargetFile { Role = "binary", Sha256 = TestNode.Digest(node.Artifact(artifact)) },
                new TargetFile { Role = "config", Sha256 = TestNode.Digest(node.Artifact("kubelet-config-v1.17.json")) },
            },
        };

        await using (var dying = await AgentProcess.StartAsync(node, $"{failpoint}=kill"))
        {
            await node.StageAsync(artifact);
            await node.StageAsync("kubelet-config-v1.17.json");
            await MayDieBeforeAnsweringAsync(async () => await node.Client.ApplyAsync(request));
            if (!await DiedAtAsync(dying, failpoint, hit))
            {
                return [$"apply {failpoint}: the agent did not die at the failpoint"];
            }
        }

        await using var restarted = await AgentProcess.StartAsync(node);
        return Label($"apply {failpoint} ({layout})", await CrashInvariants.CheckAsync(node, OperationId, oldSet, newSet, markerWanted: true, async () => (await node.Client.ApplyAsync(request)).Operation));
    }

    /// <summary>An explicit rollback of a succeeded apply killed at <paramref name="failpoint"/>, then the agent started again.</summary>
    internal static async Task<IReadOnlyList<string>> ExplicitRollbackCaseAsync(string failpoint, HashSet<string> hit, InstallLayout layout = InstallLayout.Plain)
    {
        await using var node = TestNode.Create(new TestNodeOptions { AllowFailpoints = true, Layout = layout });
        var original = FileSet.Current(node, "v1.10.11");
        await using (var first = await AgentProcess.StartAsync(node))
        {
            await node.StageAsync("kubelet-v1.17.0");
            await node.StageAsync("kubelet-config-v1.17.json");
            await node.Client.ApplyAsync(new ApplyRequest
            {
                OperationId = "up-1",
                Component = "kubelet",
                TargetVersion = "v1.17.0",
                HealthTimeout = HealthTimeout,
                Files =
                {
                    new TargetFile { Role = "binary", Sha256 = TestNode.Digest(node.Artifact("kubelet-v1.17.0")) },
                    new TargetFile { Role = "config", Sha256 = TestNode.Digest(node.Artifact("kubelet-config-v1.17.json")) },
                },
            });
            Assert.Equal(OperationState.Succeeded, (await node.WaitForOperationAsync("up-1")).State);
        }

        var upgraded = FileSet.Current(node, "v1.17.0");
        var request = new RollbackRequest { OperationId = OperationId, Component = "kubelet", HealthTimeout = HealthTimeout };
        await using (var dying = await AgentProcess.StartAsync(node, $"{failpoint}=kill"))
        {
            await MayDieBeforeAnsweringAsync(async () => await node.Client.RollbackAsync(request));
            if (!await DiedAtAsync(dying, failpoint, hit))
            {
                return [$"rollback {failpoint}: the agent did not die at the failpoint"];
            }
        }

        await using var restarted = await AgentProcess.StartAsync(node);
        return Label($"rollback {failpoint} ({layout})", await CrashInvariants.CheckAsync(node, OperationId, upgraded, original, markerWanted: false, async () => (await node.Client.RollbackAsync(request)).Operation));
    }

    /// <summary>
    /// Sends the request that leads to the failpoint. The operation runs on after the answer, but a failpoint early in
    /// it can kill the agent before the answer is on the wire: the call then fails as unavailable, which is the point.
    /// </summary>
    private static async Task MayDieBeforeAnsweringAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Grpc.Core.RpcException ex) when (ex.StatusCode is Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.Internal)
        {
            // The agent died mid-call; DiedAtAsync checks it died at the failpoint.
        }
    }

    private static async Task<IReadOnlyList<string>> StageCaseAsync(string failpoint, HashSet<string> hit)
    {
        await using var node = TestNode.Create(new TestNodeOptions { AllowFailpoints = true });
        var digest = TestNode.Digest(node.Artifact("kubelet-v1.17.0"));
        await using (var dying = await AgentProcess.StartAsync(node, $"{failpoint}=kill"))
        {
            await node.CtlAsync("stage", node.Artifact("kubelet-v1.17.0"));
            if (!await DiedAtAsync(dying, failpoint, hit))
            {
                return [$"stage {failpoint}: the agent did not die at the failpoint"];
            }
        }

        await using var restarted = await AgentProcess.StartAsync(node);
        var problems = new List<string>();
        problems.AddRange(Directory.EnumerateFiles(Path.Combine(node.StateDir, "tmp")).Select(f => $"stage {failpoint}: partial upload left: {f}"));
        var blob = Path.Combine(node.StateDir, "blobs", "sha256", digest);
        if (File.Exists(blob) && TestNode.Digest(blob) != digest)
        {
            problems.Add($"stage {failpoint}: a blob stored under {digest} does not match it");
        }

        var again = await node.CtlAsync("stage", node.Artifact("kubelet-v1.17.0"));
        if (again.ExitCode != 0 || TestNode.Digest(blob) != digest)
        {
            problems.Add($"stage {failpoint}: staging again after the crash failed: {again.Err}");
        }

        return problems;
    }

    private static async Task<IReadOnlyList<string>> RandomKillCaseAsync(int iteration, TimeSpan after)
    {
        await using var node = TestNode.Create(new TestNodeOptions { AllowFailpoints = true });
        var oldSet = FileSet.Current(node, "v1.10.11");
        var newSet = new FileSet("v1.17.0", File.ReadAllBytes(node.Artifact("kubelet-v1.17.0")), File.ReadAllBytes(node.Artifact("kubelet-config-v1.17.json")));
        var request = new ApplyRequest
        {
            OperationId = OperationId,
            Component = "kubelet",
            TargetVersion = "v1.17.0",
            Marker = new MarkerOptions { Write = true },
            HealthTimeout = HealthTimeout,
            Files =
            {
                new TargetFile { Role = "binary", Sha256 = TestNode.Digest(node.Artifact("kubelet-v1.17.0")) },
                new TargetFile { Role = "config", Sha256 = TestNode.Digest(node.Artifact("kubelet-config-v1.17.json")) },
            },
        };
        await using (var victim = await AgentProcess.StartAsync(node))
        {
            await node.StageAsync("kubelet-v1.17.0");
            await node.StageAsync("kubelet-config-v1.17.json");
            await node.Client.ApplyAsync(request);

            // The random moment of the kill is what this test varies; it is not a wait for a condition.
            await Task.Delay(after, TimeProvider.System);
            victim.Kill();
            await victim.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        await using var restarted = await AgentProcess.StartAsync(node);
        return Label($"random kill {iteration} after {after.TotalMilliseconds} ms", await CrashInvariants.CheckAsync(node, OperationId, oldSet, newSet, markerWanted: true, async () => (await node.Client.ApplyAsync(request)).Operation));
    }

    private static async Task<bool> DiedAtAsync(AgentProcess agent, string failpoint, HashSet<string> hit)
    {
        if (!await agent.WaitForExitAsync(TimeSpan.FromSeconds(60)))
        {
            return false;
        }

        if (agent.Output.Contains($"failpoint {failpoint}: kill", StringComparison.Ordinal))
        {
            hit.Add(failpoint);
            return true;
        }

        return false;
    }

    private static List<string> Label(string label, IReadOnlyList<string> problems) => problems.Select(p => $"{label}: {p}").ToList();

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}
