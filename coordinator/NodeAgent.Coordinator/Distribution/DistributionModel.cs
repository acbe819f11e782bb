namespace NodeAgent.Coordinator.Distribution;

/// <summary>
/// A discrete-event model of <c>stage --distribute</c> driven by the real <see cref="DistributionScheduler"/>:
/// every node asks for a source at time 0 in inventory order, as the coordinator does; whoever gets none waits for
/// the next event (a node completing frees its source's slot) and asks again. A node's chunk i is verified at
/// max(its chunk i-1, its source's chunk i + hop latency) + chunk / link rate, where the link rate is the node's
/// fetch limit or its source's send rate shared among the peers it may serve, whichever is lower. That is the
/// pipelining the agents do: a holder serves each chunk onward as soon as it has verified it.
/// </summary>
internal static class DistributionModel
{
    public static ModelResult Run(ModelInput input)
    {
        var names = Enumerable.Range(0, input.Nodes).Select(i => $"n{i}").ToArray();
        var scheduler = new DistributionScheduler(names.Select(n => (n, "")), input.Limits);
        var chunks = (int)((input.Size + input.ChunkSize - 1) / input.ChunkSize);
        var timelines = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        var events = new PriorityQueue<string, double>();
        var waiting = new List<string>(names);
        long originBytes = 0;
        var now = 0.0;
        while (true)
        {
            foreach (var node in waiting.ToList())
            {
                if (scheduler.Assign(node) is not { } pick)
                {
                    continue;
                }

                waiting.Remove(node);
                var rate = pick.IsOrigin
                    ? Math.Min(input.FetchRate, input.OriginRate / input.Limits.OriginStreams)
                    : Math.Min(input.FetchRate, input.ServeRate / input.Limits.PeersPerHolder);
                var source = pick.Holder is { } holder ? timelines[holder] : null;
                originBytes += pick.IsOrigin ? input.Size : 0;
                depth[node] = pick.Holder is { } parent ? depth[parent] + 1 : 1;
                var timeline = new double[chunks];
                var previous = now;
                for (var i = 0; i < chunks; i++)
                {
                    var length = Math.Min(input.ChunkSize, input.Size - ((long)i * input.ChunkSize));
                    var ready = source is null ? now : Math.Max(now, source[i] + input.HopLatency);
                    previous = Math.Max(previous, ready) + (length / rate);
                    timeline[i] = previous;
                }

                timelines[node] = timeline;
                events.Enqueue(node, timeline[^1]);
            }

            if (!events.TryDequeue(out var done, out var at))
            {
                break;
            }

            now = at;
            scheduler.Succeeded(done);
        }

        if (waiting.Count > 0)
        {
            throw new InvalidOperationException($"{waiting.Count} node(s) never got a source: the limits leave no slot");
        }

        var one = input.Size / Math.Min(input.FetchRate, input.OriginRate);
        return new ModelResult(input.Nodes, input.Size, now, one, originBytes, input.Size * input.Nodes, depth.Values.DefaultIfEmpty(0).Max());
    }
}
