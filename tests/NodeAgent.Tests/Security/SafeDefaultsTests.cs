using Grpc.Core;
using NodeAgent.Configuration;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Security;

/// <summary>Defaults that do not surprise: read-only plaintext, signed releases asked for, no silent downgrade.</summary>
[Trait("Category", "Security")]
public sealed class SafeDefaultsTests
{
    [Fact]
    public void Defaults_PlaintextCallersAreMonitors_AndUnsignedReleasesAreNotAllowed()
    {
        var defaults = new AgentOptions();

        Assert.Equal("monitor", defaults.Security.PlaintextRole);
        Assert.False(defaults.Security.AllowUnsignedReleases);
    }

    [Fact]
    public void Config_WithoutAReleaseKey_IsRefused_UntilUnsignedReleasesAreAllowedExplicitly()
    {
        var options = new AgentOptions { Components = [new ComponentOptions { Name = "kubelet", Unit = "kubelet", Files = [new ComponentFileOptions { Role = "binary", Path = "/usr/bin/kubelet" }] }] };

        var refused = new AgentOptionsValidator().Validate(null, options);
        options.Security.AllowUnsignedReleases = true;
        var allowed = new AgentOptionsValidator().Validate(null, options);

        Assert.Contains(refused.Failures!, f => f.StartsWith("Security:ReleasePublicKey:", StringComparison.Ordinal) && f.Contains("AllowUnsignedReleases: true", StringComparison.Ordinal));
        Assert.True(allowed.Succeeded, string.Join("; ", allowed.Failures ?? []));
    }

    [Fact]
    public async Task Apply_OfAnOlderVersionThanInstalled_NeedsAllowDowngrade_AndOnlyAdminMaySetIt()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { TlsPort = StandIn.FreePort() });
        var newer = await node.StageAsync("kubelet-v1.17.0");
        var older = await node.StageAsync("kubelet-v1.10.11");
        await node.Client.ApplyAsync(Apply("up", newer, "v1.17.0"));
        Assert.Equal(OperationState.Succeeded, (await node.WaitForOperationAsync("up")).State);
        var (operatorClient, channel) = SecureClient.Open(node, node.Pki!.Client("ops", "operator"));
        using var _ = channel;

        var silent = await Assert.ThrowsAsync<RpcException>(() => operatorClient.ApplyAsync(Apply("down-1", older, "v1.10.11")).ResponseAsync);
        var byOperator = await Assert.ThrowsAsync<RpcException>(() => operatorClient.ApplyAsync(Apply("down-2", older, "v1.10.11", allowDowngrade: true)).ResponseAsync);
        await node.Client.ApplyAsync(Apply("down-3", older, "v1.10.11", allowDowngrade: true));

        Assert.Equal(StatusCode.FailedPrecondition, silent.StatusCode);
        Assert.Contains("allow_downgrade", silent.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, byOperator.StatusCode);
        Assert.Equal(OperationState.Succeeded, (await node.WaitForOperationAsync("down-3")).State);
    }

    private static ApplyRequest Apply(string id, string digest, string version, bool allowDowngrade = false) => new()
    {
        OperationId = id,
        Component = "kubelet",
        TargetVersion = version,
        AllowDowngrade = allowDowngrade,
        Files = { new TargetFile { Role = "binary", Sha256 = digest } },
    };
}
