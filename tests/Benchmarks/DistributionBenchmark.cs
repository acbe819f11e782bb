using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NodeAgent.Coordinator.Distribution;
using NodeAgent.Coordinator.Plans;
using SimFleet.Distribution;

namespace Benchmarks;

/// <summary>
/// <c>nodeagent-bench distribution --nodes N --size-mb S</c>: real agents on loopback stage one S MB blob through
/// the distribution tree at a per-agent limit low enough that the machine is not the bottleneck (measured first);
/// the model (same scheduler) is checked against that run and then predicts 1,000 and 10,000 nodes x 150 MB at 1 and
/// 10 Gbit/s. The last line is one JSON object.
/// </summary>
internal static class DistributionBenchmark
{
    private const int MiB = 1024 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var nodes = (int)Number(args, "--nodes", 20);
        var size = (long)(Number(args, "--size-mb", 32) * MiB);
        var limits = DistributionLimits.Default;

        // The machine first: one node alone without a limit, and the hashing speeds, in this run.
        double stageOne;
        double sha256sum;
        await using (var solo = await DistributionFleet.StartAsync(1))
        {
            var artifact = solo.AddArtifact("blob", size);
            sha256sum = await MachineSpeed.Sha256SumSecondsAsync(artifact.Source);
            var watch = Stopwatch.StartNew();
            await FetchOneAsync(solo, artifact, "node-00");
            stageOne = watch.Elapsed.TotalSeconds;
        }

        var openssl = await MachineSpeed.OpensslGbpsAsync();
        var hash = MachineSpeed.AgentHashGbps();
        var capacity = size / stageOne;
        var limit = Number(args, "--limit-mib", 0) is > 0 and var fixedLimit
            ? (long)(fixedLimit * MiB)
            : Math.Max(256 * 1024, (long)(capacity / (4.0 * nodes)) / 65536 * 65536);
        await Console.Error.WriteLineAsync($"one node alone: {size} bytes in {stageOne:F2} s ({capacity / MiB:F1} MiB/s, the machine's capacity); per-agent limit chosen: {limit / (double)MiB:F2} MiB/s (capacity / (4 x {nodes} nodes): every node receives and most send at once)");

        double oneTransfer;
        double wall;
        PullSummary summary;
        long originEgress;
        long moved;
        await using (var fleet = await DistributionFleet.StartAsync(nodes + 1, fetchLimit: limit, serveLimit: limit * limits.PeersPerHolder))
        {
            var artifact = fleet.AddArtifact("blob", size);
            var watch = Stopwatch.StartNew();
            await FetchOneAsync(fleet, artifact, $"node-{nodes:D2}");
            oneTransfer = watch.Elapsed.TotalSeconds;
            var soloEgress = fleet.Origin.EgressBytes;
            var tree = fleet.Nodes.Take(nodes).ToList();
            await using var content = File.OpenRead(artifact.Source);
            var chunks = await ChunkDigests.ComputeAsync(content, artifact.Size, artifact.Sha256, CancellationToken.None);
            watch.Restart();
            var (result, pulls) = await new ArtifactPull(artifact, chunks, tree, new PullOptions(fleet.Origin.BaseUrl, limits), fleet.DistributionClient, TimeProvider.System)
                .RunAsync(new HashSet<string>(), CancellationToken.None);
            wall = watch.Elapsed.TotalSeconds;
            if (pulls.FirstOrDefault(p => !p.Ok) is { } failed)
            {
                throw new InvalidOperationException($"{failed.Node}: {failed.Detail}");
            }

            foreach (var repicked in pulls.Where(p => p.Detail.Contains(", then ", StringComparison.Ordinal)))
            {
                await Console.Error.WriteLineAsync($"re-picked: {repicked.Node}: {repicked.Detail}");
            }

            await VerifyAsync(fleet, artifact, tree);
            summary = result;
            originEgress = fleet.Origin.EgressBytes - soloEgress;
            moved = pulls.Sum(p => p.Bytes);
        }

        var model = DistributionModel.Run(new ModelInput(nodes, size, ChunkDigests.ChunkSizeFor(size), limit, limit * limits.PeersPerHolder, 1e12, 0.002, limits));
        var predictions = new JsonArray();
        foreach (var (count, gbit) in new[] { (1000, 1), (1000, 10), (10000, 1), (10000, 10) })
        {
            var rate = gbit * 125_000_000.0;
            var p = DistributionModel.Run(new ModelInput(count, 150_000_000, MiB, rate, rate, rate, 0.001, limits));
            predictions.Add(new JsonObject { ["nodes"] = count, ["size_mb"] = 150, ["gbit_per_node"] = gbit, ["wall_s"] = Round(p.WallSeconds), ["wall_over_one_transfer"] = Round(p.WallOverOneTransfer), ["origin_egress_ratio"] = Round(p.OriginEgressRatio), ["depth"] = p.MaxDepth });
            await Console.Error.WriteLineAsync($"model: {count} nodes x 150 MB at {gbit} Gbit/s: {p.WallSeconds:F2} s ({p.WallOverOneTransfer:F2}x one transfer), origin {p.OriginEgressRatio:F2}x, depth {p.MaxDepth}");
        }

        var line = new JsonObject
        {
            ["nodes"] = nodes,
            ["artifact_bytes"] = size,
            ["limit_bytes_per_s"] = limit,
            ["origin_egress_bytes"] = originEgress,
            ["origin_egress_ratio"] = Round((double)originEgress / size),
            ["total_bytes_moved"] = moved,
            ["wall_s"] = Round(wall),
            ["one_transfer_s"] = Round(oneTransfer),
            ["wall_over_one_transfer"] = Round(wall / oneTransfer),
            ["repicks"] = summary.Repicks,
            ["stage_s_one_node"] = Round(stageOne),
            ["sha256sum_s"] = Round(sha256sum),
            ["stage_over_sha256sum"] = Round(stageOne / sha256sum),
            ["hash_gbps"] = Round(hash),
            ["openssl_gbps"] = Round(openssl),
            ["hash_over_openssl"] = Round(hash / openssl),
            ["model_wall_s"] = Round(model.WallSeconds),
            ["model_error"] = Round(Math.Abs(model.WallSeconds - wall) / wall),
            ["model"] = predictions,
            ["real_count"] = "not run: the discard store for 1,000 simulated nodes is not built",
        };
        Console.WriteLine(line.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        return 0;
    }

    private static async Task FetchOneAsync(DistributionFleet fleet, PlanArtifact artifact, string node)
    {
        await using var content = File.OpenRead(artifact.Source);
        var chunks = await ChunkDigests.ComputeAsync(content, artifact.Size, artifact.Sha256, CancellationToken.None);
        var response = await fleet.Distribution(node).FetchArtifactAsync(ArtifactPull.RequestFor(artifact, chunks, new NodeAgent.Contracts.V1.FetchSource { Url = fleet.Origin.BaseUrl + artifact.Name }));
        if (!response.Complete)
        {
            throw new InvalidOperationException($"{node} did not complete its fetch: {response.Sources[0].Message}");
        }
    }

    private static async Task VerifyAsync(DistributionFleet fleet, PlanArtifact artifact, IEnumerable<PlanNode> nodes)
    {
        foreach (var node in nodes)
        {
            var verified = await fleet.Agent(node.Name).VerifyArtifactAsync(new NodeAgent.Contracts.V1.VerifyArtifactRequest { Sha256 = artifact.Sha256 });
            if (verified.Artifact.Integrity != NodeAgent.Contracts.V1.ArtifactIntegrity.Ok)
            {
                throw new InvalidOperationException($"{node.Name}: the staged blob does not verify");
            }
        }
    }

    private static double Round(double value) => Math.Round(value, 3);

    private static double Number(string[] args, string name, double fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
