using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Operations;

/// <summary>
/// Reads must not wait on another operation's journal fsync: 16 callers (8 GetOperation, 8 WatchOperation up to the
/// first event) read the running operation while applies run back to back, and the test prints their latency.
/// </summary>
[Trait("Category", "AgentCore")]
[Trait("Category", "Benchmark")]
public sealed class ReadLatencyBenchmarkTests(ITestOutputHelper output)
{
    private const int Applies = 6;
    private const int Callers = 16;

    [Fact]
    public async Task Reads_SixteenCallersDuringApplies_LatencyReported()
    {
        await using var node = await TestNode.StartAsync(new TestNodeOptions { HealthStableSeconds = 0 });
        var versions = new[] { ("v1.17.0", await node.StageAsync("kubelet-v1.17.0")), ("v1.18.0", await node.StageAsync("kubelet-v1.18.0")) };
        var current = "none";
        await node.Client.RestartComponentAsync(new RestartComponentRequest { OperationId = current = "bench-warmup", Component = "kube-proxy" });
        await node.WaitForOperationAsync(current);

        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, Callers)
            .Select(i => Task.Run(() => ReadLoopAsync(node, () => Volatile.Read(ref current), watch: i % 2 == 1, stop.Token)))
            .ToList();
        var states = new List<OperationState>();
        for (var i = 0; i < Applies; i++)
        {
            var (version, digest) = versions[i % 2];
            var id = $"bench-{i}";
            await node.Client.ApplyAsync(new ApplyRequest
            {
                OperationId = id,
                Component = "kubelet",
                TargetVersion = version,
                AllowDowngrade = true,
                Files = { new TargetFile { Role = "binary", Sha256 = digest } },
            });
            Volatile.Write(ref current, id);
            states.Add((await node.WaitForOperationAsync(id)).State);
        }

        await stop.CancelAsync();
        var samples = (await Task.WhenAll(readers)).SelectMany(s => s).Order().ToList();

        Assert.All(states, s => Assert.Equal(OperationState.Succeeded, s));
        Assert.NotEmpty(samples);
        Report(string.Create(
            CultureInfo.InvariantCulture,
            $"read latency during applies: {Callers} callers, {samples.Count} reads, p50 {Percentile(samples, 0.50):F2} ms, p99 {Percentile(samples, 0.99):F2} ms, max {samples[^1]:F2} ms"));
    }

    private static async Task<List<double>> ReadLoopAsync(TestNode node, Func<string> operationId, bool watch, CancellationToken stop)
    {
        var client = node.Client;
        var samples = new List<double>();
        while (!stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            if (watch)
            {
                using var call = client.WatchOperation(new WatchOperationRequest { OperationId = operationId() }, cancellationToken: CancellationToken.None);
                Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            }
            else
            {
                await client.GetOperationAsync(new GetOperationRequest { OperationId = operationId() }, cancellationToken: CancellationToken.None);
            }

            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return samples;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}
