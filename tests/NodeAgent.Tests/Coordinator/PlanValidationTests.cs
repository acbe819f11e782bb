using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Coordinator;

[Trait("Category", "Coordinator")]
public sealed class PlanValidationTests : IDisposable
{
    private const string Digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Validate_GoodPlan_SaysSo()
    {
        var result = await ValidateAsync(GoodPlan());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("plan up-17 is valid: 2 node(s), 1 artifact(s), target v1.17.0", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("targetVersion: v1.17.0", "targetVersion: latest", "plan.yaml:2:16: targetVersion: \"latest\" is not a version")]
    [InlineData("sha256: " + Digest, "sha256: ABC", "plan.yaml:4:38: artifacts[0].sha256: \"ABC\" is not a SHA-256 digest")]
    [InlineData("size: 100", "size: -5", "plan.yaml:4:110: artifacts[0].size: \"-5\" is not a whole number")]
    [InlineData("binary: kubelet-v1.17.0 }", "binary: kubelet-v9 }", "plan.yaml:7:41: components.worker[0].files.binary: \"kubelet-v9\" is not an artifact of this plan")]
    [InlineData("{ name: n2, role: worker", "{ name: n1, role: worker", "plan.yaml:10:13: inventory[1].name: \"n1\" is listed twice")]
    [InlineData("role: worker, address: \"127.0.0.1:7002\"", "role: master, address: \"127.0.0.1:7002\"", "plan.yaml:10:23: inventory[1].role: \"master\" is not control-plane or worker")]
    [InlineData("address: \"127.0.0.1:7002\"", "address: \"no port\"", "plan.yaml:10:40: inventory[1].address: \"no port\" is not an agent address")]
    [InlineData("batchSize: 25%", "batchSize: 250%", "plan.yaml:12:14: policy.batchSize: \"250%\" is not a count such as 25 or a percentage")]
    [InlineData("healthTimeout: 60s", "healthTimeout: soon", "plan.yaml:13:18: policy.healthTimeout: \"soon\" is not a duration")]
    [InlineData("phases: [canary, workers]", "phases: [canary, reboot]", "plan.yaml:14:20: policy.phases: \"reboot\" is not a phase")]
    [InlineData("policy:", "policy:\n  colour: blue", "plan.yaml:12:3: policy.colour: unknown key")]
    [InlineData("rollout: up-17", "rollout: up 17", "plan.yaml:1:10: rollout: \"up 17\" is not a rollout id")]
    [InlineData("targetVersion: v1.17.0\n", "", "plan.yaml:1:1: targetVersion: is required")]
    [InlineData("batchSize: 25%", "canary: { nodes: [n9] }", "plan.yaml:12:21: policy.canary.nodes: \"n9\" is not in the inventory")]
    [InlineData("{ name: n1, role: worker", "{ name: n1, role: control-plane", "plan.yaml:9:23: inventory[0].role: the plan has no components for role control-plane")]
    [InlineData("marker: true", "marker: yes", "plan.yaml:7:68: components.worker[0].marker: \"yes\" is not true or false")]
    [InlineData("healthTimeout: 60s", "healthTimeout: 2h", "plan.yaml:13:18: policy.healthTimeout: 2h is longer than")]
    [InlineData("healthTimeout: 60s", "healthTimeout: 0s", "plan.yaml:13:18: policy.healthTimeout: 0s is shorter than")]
    [InlineData("address: \"127.0.0.1:7002\"", "address: \"127.0.0.1:99999\"", "inventory[1].address: \"99999\" is not a port from 1 to 65535")]
    public async Task Validate_BadPlan_NamesTheLineAndKey(string good, string bad, string expected)
    {
        var plan = GoodPlan();
        Assert.Contains(good, plan, StringComparison.Ordinal);

        var result = await ValidateAsync(plan.Replace(good, bad, StringComparison.Ordinal));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_NotYamlAtAll_SaysWhere()
    {
        var result = await ValidateAsync("rollout: [unclosed\n");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not valid YAML", result.Err, StringComparison.Ordinal);
    }

    private Task<CliResult> ValidateAsync(string content) => ValidateAsync(_dir, content);

    /// <summary>Writes <paramref name="content"/> as plan.yaml in <paramref name="dir"/> and runs validate on it.</summary>
    internal static async Task<CliResult> ValidateAsync(TempDir dir, string content, params string[] extra)
    {
        var path = dir.Combine("plan.yaml");
        await File.WriteAllTextAsync(path, content);
        await File.WriteAllBytesAsync(dir.Combine("kubelet"), new byte[100]);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await NodeAgent.Coordinator.Cli.CoordinatorCli.RunAsync(["validate", path, .. extra], output, error, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    private static string GoodPlan() => $$"""
        rollout: up-17
        targetVersion: v1.17.0
        artifacts:
          - { name: kubelet-v1.17.0, sha256: {{Digest}}, size: 100, source: kubelet }
        components:
          worker:
            - { name: kubelet, files: { binary: kubelet-v1.17.0 }, marker: true }
        inventory:
          - { name: n1, role: worker, address: "127.0.0.1:7001" }
          - { name: n2, role: worker, address: "127.0.0.1:7002" }
        policy:
          batchSize: 25%
          healthTimeout: 60s
          phases: [canary, workers]
        """;
}
