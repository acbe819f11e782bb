using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Coordinator;

/// <summary>Plans that cannot work: refused by validate with line and key, and by rollout before any agent is called.</summary>
[Trait("Category", "Coordinator")]
public sealed class PlanRefusalTests : IDisposable
{
    private static readonly byte[] Kubelet = "#!/bin/sh\necho kubelet v1.17.0\n"u8.ToArray();
    private readonly TempDir _dir = new();
    private readonly TcpListener _agent = new(IPAddress.Loopback, 0);

    public PlanRefusalTests()
    {
        File.WriteAllBytes(_dir.Combine("kubelet"), Kubelet);
        _agent.Start();
    }

    public void Dispose()
    {
        _agent.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Validate_EmptyInventory_RefusedWithLineAndKey()
    {
        var result = await RunAsync(Plan().Replace(Inventory, "inventory: []\n", StringComparison.Ordinal), "validate", "--offline");

        Assert.Equal(ExitCodes.InvalidPlan, result.ExitCode);
        Assert.Contains("plan.yaml:8:12: inventory: is empty", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_SourceFileMissing_RefusedWithLineAndKey()
    {
        var result = await RunAsync(Plan().Replace("source: kubelet", "source: kubelet-gone", StringComparison.Ordinal), "validate", "--offline");

        Assert.Equal(ExitCodes.InvalidPlan, result.ExitCode);
        Assert.Contains($"plan.yaml:4:{SourceColumn}: artifacts[0].source: {_dir.Combine("kubelet-gone")} does not exist", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_SizeOtherThanTheFiles_RefusedWithLineAndKey()
    {
        var result = await RunAsync(Plan().Replace($"size: {Kubelet.Length}", "size: 4096", StringComparison.Ordinal), "validate", "--offline");

        Assert.Equal(ExitCodes.InvalidPlan, result.ExitCode);
        Assert.Contains($"plan.yaml:4:110: artifacts[0].size: is 4096 bytes, but {_dir.Combine("kubelet")} has {Kubelet.Length}", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_VerifySourcesAndTheFileHashesToAnotherDigest_RefusedWithLineAndKey()
    {
        var plan = Plan().Replace(Sha(Kubelet), new string('0', 64), StringComparison.Ordinal);

        var unverified = await RunAsync(plan, "validate", "--offline");
        var verified = await RunAsync(plan, "validate", "--offline", "--verify-sources");

        Assert.Equal(ExitCodes.Ok, unverified.ExitCode);
        Assert.Equal(ExitCodes.InvalidPlan, verified.ExitCode);
        Assert.Contains($"plan.yaml:4:5: artifacts[0].sha256: {_dir.Combine("kubelet")} hashes to {Sha(Kubelet)}, not the declared {new string('0', 64)}", verified.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("empty inventory", "inventory: is empty")]
    [InlineData("missing source", "artifacts[0].source:")]
    [InlineData("wrong size", "artifacts[0].size:")]
    [InlineData("wrong digest", "artifacts[0].sha256:")]
    public async Task Rollout_BadPlan_RefusedBeforeAnyAgentIsCalled(string bad, string key)
    {
        var plan = bad switch
        {
            "empty inventory" => Plan().Replace(Inventory, "inventory: []\n", StringComparison.Ordinal),
            "missing source" => Plan().Replace("source: kubelet", "source: kubelet-gone", StringComparison.Ordinal),
            "wrong size" => Plan().Replace($"size: {Kubelet.Length}", "size: 4096", StringComparison.Ordinal),
            _ => Plan().Replace(Sha(Kubelet), new string('0', 64), StringComparison.Ordinal),
        };

        var result = await RunAsync(plan, "rollout", "--plain");

        Assert.Equal(ExitCodes.InvalidPlan, result.ExitCode);
        Assert.Contains($"plan.yaml:", result.Err, StringComparison.Ordinal);
        Assert.Contains(key, result.Err, StringComparison.Ordinal);
        Assert.False(_agent.Pending(), "the agent's address was connected to");
        Assert.False(File.Exists(_dir.Combine("journal.db")), "the journal was written");
    }

    private const int SourceColumn = 122;

    private string Inventory => $"inventory:\n  - {{ name: n1, role: worker, address: \"127.0.0.1:{((IPEndPoint)_agent.LocalEndpoint).Port}\" }}\n";

    private string Plan() => $$"""
        rollout: up-17
        targetVersion: v1.17.0
        artifacts:
          - { name: kubelet-v1.17.0, sha256: {{Sha(Kubelet)}}, size: {{Kubelet.Length}}, source: kubelet }
        components:
          worker:
            - { name: kubelet, files: { binary: kubelet-v1.17.0 }, marker: true }

        """ + Inventory + """
        policy:
          phases: [canary, workers]

        """;

    private async Task<CliResult> RunAsync(string plan, params string[] args)
    {
        var path = _dir.Combine("plan.yaml");
        await File.WriteAllTextAsync(path, plan);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CoordinatorCli.RunAsync(["--journal", _dir.Combine("journal.db"), args[0], path, .. args[1..]], output, error, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
