using System.Net;
using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Progress;
using NodeAgent.Tests.Infrastructure;
using Prometheus;

namespace NodeAgent.Tests.Coordinator;

[Trait("Category", "Coordinator")]
public sealed class StagingAndProgressTests
{
    [Fact]
    public async Task Stage_ArtifactFromAnHttpUrl_StreamedToEveryNodeAndAWrongDownloadIsRefused()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 2, controlPlane: 0);
        var kubelet = fleet.Fleet.Manifest.Artifacts.Single(a => a.Name == "kubelet-v1.17.0");
        var port = StandIn.FreePort();
        using var server = new HttpListener { Prefixes = { $"http://127.0.0.1:{port}/" } };
        server.Start();
        var serving = ServeAsync(server, new Dictionary<string, byte[]>
        {
            ["/kubelet"] = File.ReadAllBytes(kubelet.Path),
            ["/wrong"] = "not the kubelet you are looking for"u8.ToArray(),
        });
        var bad = fleet.WritePlan(new PlanOptions { Rollout = "bad-url", Sources = new Dictionary<string, string> { [kubelet.Name] = $"http://127.0.0.1:{port}/wrong" } });
        var good = fleet.WritePlan(new PlanOptions { Rollout = "url", Sources = new Dictionary<string, string> { [kubelet.Name] = $"http://127.0.0.1:{port}/kubelet" } });

        var refused = await fleet.CoordinatorAsync("stage", bad);
        var staged = await fleet.CoordinatorAsync("stage", good);

        Assert.True(staged.ExitCode == 0, staged.Out + staged.Err);
        foreach (var node in fleet.Nodes)
        {
            using var channel = TestNode.OpenChannel(node.Address["unix:".Length..]);
            var artifacts = await new NodeAgentService.NodeAgentServiceClient(channel).ListArtifactsAsync(new ListArtifactsRequest { Sha256 = { kubelet.Sha256 } });
            Assert.Single(artifacts.Artifacts);
        }

        Assert.Equal(5, refused.ExitCode);
        Assert.Contains($"(while staging {kubelet.Name})", refused.Out, StringComparison.Ordinal);
        Assert.Contains("InvalidArgument", refused.Out, StringComparison.Ordinal);
        server.Stop();
        await serving;
    }

    [Fact]
    public async Task Progress_NodesAndPhase_ExportedAsPrometheusText()
    {
        var progress = new RolloutProgress(TimeProvider.System, totalNodes: 3);
        progress.SetPhase("workers");
        progress.NodeStarted("a", ["kubelet"]);
        progress.NodeFinished("a", ok: true, TimeSpan.FromSeconds(2), "");
        progress.NodeStarted("b", ["kubelet"]);
        using var text = new MemoryStream();

        await progress.Registry.CollectAndExportAsTextAsync(text);

        var exported = System.Text.Encoding.UTF8.GetString(text.ToArray());
        Assert.Contains("nodeagent_rollout_phase{phase=\"workers\"} 1", exported, StringComparison.Ordinal);
        Assert.Contains("nodeagent_rollout_nodes{state=\"succeeded\"} 1", exported, StringComparison.Ordinal);
        Assert.Contains("nodeagent_rollout_nodes{state=\"in-flight\"} 1", exported, StringComparison.Ordinal);
        Assert.Contains("nodeagent_rollout_nodes{state=\"pending\"} 1", exported, StringComparison.Ordinal);
        Assert.Contains("nodeagent_rollout_node_seconds_count 1", exported, StringComparison.Ordinal);
    }

    private static async Task ServeAsync(HttpListener server, Dictionary<string, byte[]> files)
    {
        while (server.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await server.GetContextAsync();
            }
            catch (HttpListenerException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            var content = files[context.Request.Url!.AbsolutePath];
            context.Response.ContentLength64 = content.Length;
            await context.Response.OutputStream.WriteAsync(content);
            context.Response.Close();
        }
    }
}
