using CsCheck;
using Google.Protobuf;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Security;

/// <summary>
/// Property-based: random requests and random plan files, built from hostile fragments mixed with plausible values.
/// Nothing may crash the agent or the plan loader; every refusal must be clean; nothing may appear outside the node.
/// </summary>
[Trait("Category", "Security")]
public sealed class RandomInputTests(ITestOutputHelper output)
{
    private const int Requests = 400;
    private const int PlanFiles = 600;

    internal static readonly string Token = Guid.NewGuid().ToString("N")[..12];

    internal static readonly Gen<string> Fragment = Gen.OneOf(
        "..", "/", "\\", "\0", "\n", "\r\n", "\t", " ", "%2e%2e", ":", "@", "*", "$(reboot)", "`id`", ";", "'", "\"", "{", "}", "[", "#", "&a", "!!binary",
        "kubelet", "v1.17.0", "a", "0", "-", "é", "\u202e", "\ud800", "/tmp/evil-" + Token, "../../../../tmp/evil-" + Token);

    /// <summary>Hostile text: fragments glued together, arbitrary Unicode, long runs, or nothing.</summary>
    internal static readonly Gen<string> Hostile = Gen.Frequency(
        (4, Fragment.Array[1, 8].Select(string.Concat)),
        (2, Gen.String),
        (1, Gen.Char['a', 'z'].Array[120, 400].Select(chars => new string(chars))),
        (1, Gen.Const("")));

    private static Gen<string> Either(params string[] plausible) => Gen.Frequency((1, Gen.OneOf(plausible)), (1, Hostile));

    internal sealed record RandomCall(int Kind, string Id, string Component, string Role, string Digest, string Version, string Name, long Size, long Offset, int Limit);

    internal static readonly Gen<RandomCall> Calls =
        from kind in Gen.Int[0, 15]
        from id in Either("prop-1", "prop-2", "a:b:c")
        from component in Either("kubelet", "kube-proxy", "etcd")
        from role in Either("binary", "config", "flags")
        from digest in Either(new string('e', 64), new string('f', 64))
        from version in Either("v1.17.0", "1.18.0-rc.1")
        from name in Either("kubelet-v1.17.0", "k+8.s_")
        from size in Gen.OneOf(Gen.Long, Gen.Long[-2, 5000])
        from offset in Gen.OneOf(Gen.Long, Gen.Long[-2, 100])
        from limit in Gen.OneOf(Gen.Int, Gen.Int[-2, 200])
        select new RandomCall(kind, id, component, role, digest, version, name, size, offset, limit);

    [Fact]
    public async Task RandomRequests_NeverCrashTheAgent_AndEveryRefusalIsClean()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { LimitsYaml = "  mutatingCallsPerMinute: 100000\n" });
        var tried = 0;
        var problems = new List<string>();
        await Calls.SampleAsync(
            async call =>
            {
                Interlocked.Increment(ref tried);
                var (status, message) = await HostileInputTests.SendAsync(() => SendAsync(node.Client, call));
                var found = HostileInputTests.RefusalProblems($"kind {call.Kind}", status, message, expected: null, phrase: "").ToList();
                lock (problems)
                {
                    problems.AddRange(found.Select(p => $"{p} for {call}"));
                }
            },
            iter: Requests,
            threads: 1);

        problems.AddRange(Directory.EnumerateFileSystemEntries("/tmp", $"*{Token}*").Select(path => $"created outside the node: {path}"));
        Assert.Equal("test-node", (await node.Client.GetInfoAsync(new GetInfoRequest())).NodeName);
        output.WriteLine($"random requests: {tried} tried, {problems.Count} problems");
        Assert.Empty(problems);
    }

    [Fact]
    public void RandomPlanFiles_AreLoadedOrRefusedWithLocatedErrors_NeverAnythingElse()
    {
        using var dir = new TempDir();
        var path = dir.Combine("plan.yaml");
        File.WriteAllBytes(dir.Combine("kubelet.bin"), new byte[100]);
        var tried = 0;
        var valid = 0;
        var plans = Plans;
        plans.Sample(
            text =>
            {
                tried++;
                File.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));
                try
                {
                    PlanLoader.Load(path);
                    valid++;
                }
                catch (PlanException ex)
                {
                    Assert.NotEmpty(ex.Errors);
                    foreach (var error in ex.Errors)
                    {
                        Assert.True(error.StartsWith("plan.yaml", StringComparison.Ordinal) || error.StartsWith(path, StringComparison.Ordinal), error);
                        Assert.True(error.Length <= 1000 && !error.Any(c => char.IsControl(c) && c != '\n'), error);
                    }
                }
            },
            iter: PlanFiles,
            threads: 1,
            print: text => text);

        Assert.Empty(Directory.EnumerateFileSystemEntries("/tmp", $"*{Token}*"));
        output.WriteLine($"random plan files: {tried} tried, {valid} valid");
        Assert.True(valid > 0 && valid < tried, $"{valid} of {tried} random plans were valid: the generator is not exploring both sides");
    }

    private const string ValidPlan = """
        rollout: r-17
        targetVersion: v1.17.0
        artifacts:
          - { name: kubelet-v1.17.0, sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, size: 100, source: kubelet.bin }
        components:
          worker:
            - { name: kubelet, files: { binary: kubelet-v1.17.0 }, marker: true }
        inventory:
          - { name: n1, role: worker, address: "127.0.0.1:7001" }
          - { name: n2, role: worker, address: "unix:/run/nodeagent/agent.sock" }
        policy:
          batchSize: 25%
          maxConcurrency: 10
          failureThreshold: { perBatch: 1, total: 10% }
          soak: { afterCanary: 30s, betweenBatches: 0s }
          healthTimeout: 60s
          phases: [canary, workers]

        """;

    /// <summary>Random plan files: the valid plan with values substituted or characters mutated, or random structures.</summary>
    internal static Gen<string> Plans => Gen.Frequency(
        (2, Substituted(ValidPlan, ["r-17", "v1.17.0", "kubelet-v1.17.0", "kubelet.bin", "n1", "worker", "127.0.0.1:7001", "25%", "30s", "canary", "10%", "unix:/run/nodeagent/agent.sock"])),
        (2, Mutated(ValidPlan)),
        (1, Structural));

    /// <summary>A valid document with some of its values replaced by hostile text (quoted, so the YAML stays well formed).</summary>
    internal static Gen<string> Substituted(string valid, string[] slots) =>
        Gen.Bool.Array[slots.Length].SelectMany(swaps => Hostile.Array[slots.Length].Select(values =>
        {
            var text = valid;
            for (var i = 0; i < slots.Length; i++)
            {
                if (swaps[i])
                {
                    text = text.Replace(slots[i], Quote(values[i]), StringComparison.Ordinal);
                }
            }

            return text;
        }));

    /// <summary>A valid document with characters deleted, inserted or replaced at random places.</summary>
    internal static Gen<string> Mutated(string valid) =>
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Int[0, 2], Fragment).Array[1, 6].Select(edits =>
        {
            var text = valid;
            foreach (var (at, how, with) in edits)
            {
                var position = Math.Min(at, text.Length - 1);
                text = how switch
                {
                    0 => text.Remove(position, 1),
                    1 => text.Insert(position, with),
                    _ => text.Remove(position, 1).Insert(position, with),
                };
            }

            return text;
        });

    /// <summary>Random documents: wrong shapes for known keys, unknown keys, aliases, huge numbers.</summary>
    private static readonly Gen<string> Structural =
        Gen.OneOf("rollout", "targetVersion", "artifacts", "components", "inventory", "policy", "tls", "signature", "evil")
            .Select(Gen.OneOf("[]", "{}", "~", "-1", "99999999999999999999", "&x [*x]", "[a, [b, [c]]]", "{ a: { b: { c: d } } }", "!!binary AAAA", "'" + Token + "'"))
            .Array[1, 8]
            .Select(pairs => string.Join("\n", pairs.Select(p => $"{p.Item1}: {p.Item2}")) + "\n");

    private static string Quote(string value) => "\"" + string.Concat(value.Select(c => c switch
    {
        '"' => "\\\"",
        '\\' => "\\\\",
        _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
        _ => c.ToString(),
    })) + "\"";

    internal static Task SendAsync(NodeAgentService.NodeAgentServiceClient client, RandomCall c) => c.Kind switch
    {
        0 => client.ApplyAsync(new ApplyRequest { OperationId = c.Id, Component = c.Component, TargetVersion = c.Version, Files = { new TargetFile { Role = c.Role, Sha256 = c.Digest } } }).ResponseAsync,
        1 => client.RollbackAsync(new RollbackRequest { OperationId = c.Id, Component = c.Component, TargetOperationId = c.Name }).ResponseAsync,
        2 => client.RestartComponentAsync(new RestartComponentRequest { OperationId = c.Id, Component = Unrunnable(c.Component) }).ResponseAsync,
        3 => client.StopComponentAsync(new StopComponentRequest { OperationId = c.Id, Component = Unrunnable(c.Component) }).ResponseAsync,
        4 => client.StartComponentAsync(new StartComponentRequest { OperationId = c.Id, Component = Unrunnable(c.Component) }).ResponseAsync,
        5 => client.BackupAsync(new BackupRequest { OperationId = c.Id, Component = Unrunnable(c.Component) }).ResponseAsync,
        6 => client.WriteMarkerAsync(new WriteMarkerRequest { OperationId = c.Id, Component = c.Component, OldVersion = c.Name, TargetVersion = c.Version }).ResponseAsync,
        7 => client.ClearMarkerAsync(new ClearMarkerRequest { OperationId = c.Id, Component = Unrunnable(c.Component) }).ResponseAsync,
        8 => StageAsync(client, c),
        9 => HostileInputTests.DrainAsync(client.ReadArtifact(new ReadArtifactRequest { Sha256 = c.Digest, Offset = c.Offset })),
        10 => client.VerifyArtifactAsync(new VerifyArtifactRequest { Sha256 = c.Digest }).ResponseAsync,
        11 => client.GetOperationAsync(new GetOperationRequest { OperationId = c.Id }).ResponseAsync,
        12 => HostileInputTests.DrainAsync(client.WatchOperation(new WatchOperationRequest { OperationId = c.Id, FromSequence = c.Offset })),
        13 => client.ListOperationsAsync(new ListOperationsRequest { Component = c.Component, Limit = c.Limit }).ResponseAsync,
        14 => client.GetMarkerAsync(new GetMarkerRequest { Component = c.Component }).ResponseAsync,
        _ => client.ListAuditEntriesAsync(new ListAuditEntriesRequest { Caller = c.Name, OperationId = c.Id, Limit = c.Limit }).ResponseAsync,
    };

    /// <summary>Actions that would really restart or stop a component get a component the catalog does not have.</summary>
    private static string Unrunnable(string component) => component is "kubelet" or "kube-proxy" ? "etcd" : component;

    private static async Task StageAsync(NodeAgentService.NodeAgentServiceClient client, RandomCall c)
    {
        using var call = client.StageArtifact();
        await call.RequestStream.WriteAsync(new StageArtifactRequest { Header = new ArtifactHeader { Name = c.Name, Sha256 = c.Digest, Size = c.Size } });
        await call.RequestStream.WriteAsync(new StageArtifactRequest { Chunk = ByteString.CopyFromUtf8(c.Version) });
        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync;
    }
}
