using System.Net;
using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;
using NodeAgent.Tests.Operations;

namespace NodeAgent.Tests.Cluster;

/// <summary>The API server connection count of an apply: stand-ins hold connections to a listener the test runs.</summary>
[Trait("Category", "Cluster")]
public sealed class ConnectionCountApplyTests : IDisposable
{
    private readonly TcpListener _apiServer = new(IPAddress.Loopback, 0);

    public ConnectionCountApplyTests()
    {
        _apiServer.Start();
    }

    private string Endpoint => $"127.0.0.1:{((IPEndPoint)_apiServer.LocalEndpoint).Port}";

    public void Dispose() => _apiServer.Dispose();

    [Fact]
    public async Task Apply_NewVersionOpensSixConnectionsWhereOldHeldOne_ReportsOneBeforeSixAfter()
    {
        await using var node = await StartNodeAsync();
        await ApplyTests.HealthyStatusAsync(node, "kubelet");
        File.WriteAllText(node.Artifact("kubelet-config-six.json"), StandIn.Config(node.KubeletPort, 0, StandIn.ApiConnections(Endpoint, 6)));
        var request = await ApplyTests.ApplyRequestAsync(node, "conn-1", "kubelet-v1.17.0", "v1.17.0");
        request.Files.Add(new TargetFile { Role = "config", Sha256 = await node.StageAsync("kubelet-config-six.json") });
        request.ConnectionSoak = Duration.FromTimeSpan(TimeSpan.FromSeconds(1));

        await node.Client.ApplyAsync(request);
        var op = await node.WaitForOperationAsync("conn-1");

        Assert.Equal(OperationState.Succeeded, op.State);
        Assert.True(op.Connections.Measured, op.Connections.Problem);
        Assert.Equal((1, 6), (op.Connections.Before, op.Connections.After));
        Assert.Equal([Endpoint], op.Connections.Endpoints);
        Assert.Null(op.Containers);
        Assert.Contains("api server connections: 1 before, 6 after", op.Message, StringComparison.Ordinal);
        var healthy = op.Events.Single(e => e.Step == "healthy").Time.ToDateTimeOffset();
        Assert.True(op.FinishedAt.ToDateTimeOffset() - healthy >= TimeSpan.FromSeconds(1), "the second count waits for the connection soak");
    }

    [Fact]
    public async Task Apply_ConnectionSoakOverTenMinutes_InvalidArgument()
    {
        await using var node = await StartNodeAsync();
        var request = await ApplyTests.ApplyRequestAsync(node, "soak-1", "kubelet-v1.17.0", "v1.17.0");
        request.ConnectionSoak = Duration.FromTimeSpan(TimeSpan.FromMinutes(11));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await node.Client.ApplyAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("connection_soak", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("10 minutes", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_SameIdWithAnotherConnectionSoak_AlreadyExists()
    {
        await using var node = await StartNodeAsync();
        var request = await ApplyTests.ApplyRequestAsync(node, "soak-2", "kubelet-v1.17.0", "v1.17.0");
        await node.Client.ApplyAsync(request);
        await node.WaitForOperationAsync("soak-2");
        request.ConnectionSoak = Duration.FromTimeSpan(TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await node.Client.ApplyAsync(request));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
    }

    private Task<TestNode> StartNodeAsync() => TestNode.StartAsync(new TestNodeOptions
    {
        AgentYaml = $"apiServer: {{ endpoints: [\"{Endpoint}\"] }}",
        KubeletYaml = ["countConnections: true"],
        KubeletConfigJson = StandIn.ApiConnections(Endpoint, 1),
    });
}
