using NodeAgent.Coordinator.Engine;
using Prometheus;

namespace NodeAgent.Coordinator.Progress;

/// <summary>
/// What a rollout is doing right now: phase, batch, node counts, ETA. The engine reports into it; the live view,
/// the plain log and the Prometheus metrics read from it.
/// </summary>
internal sealed class RolloutProgress : IRolloutObserver
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly List<double> _nodeSeconds = [];
    private readonly List<(string Node, double Seconds)> _slowest = [];
    private readonly List<string> _failedNodes = [];
    private readonly Gauge _phase;
    private readonly Gauge _batch;
    private readonly Gauge _nodes;
    private readonly Histogram _applySeconds;

    public RolloutProgress(TimeProvider time, int totalNodes)
    {
        _time = time;
        Total = totalNodes;
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _phase = factory.CreateGauge("nodeagent_rollout_phase", "1 for the phase the rollout is in.", "phase");
        _batch = factory.CreateGauge("nodeagent_rollout_batch", "Current worker batch number (1-based).");
        _nodes = factory.CreateGauge("nodeagent_rollout_nodes", "Nodes by state.", "state");
        _applySeconds = factory.CreateHistogram("nodeagent_rollout_node_seconds", "Time to upgrade one node (all its components).",
            new HistogramConfiguration { Buckets = [1, 2, 5, 10, 20, 30, 60, 120, 300] });
    }

    /// <summary>Raised for every line worth showing (plain output prints them).</summary>
    public event Action<string>? Line;

    public CollectorRegistry Registry { get; }

    public int Total { get; }

    public string Phase { get; private set; } = "starting";

    public int Batch { get; private set; }

    public int Batches { get; private set; }

    public int Succeeded { get; private set; }

    public int Failed { get; private set; }

    public int InFlight { get; private set; }

    public bool Paused { get; private set; }

    public void SetPhase(string phase)
    {
        lock (_lock)
        {
            _phase.WithLabels(Phase).Set(0);
            Phase = phase;
            _phase.WithLabels(phase).Set(1);
        }

        Say($"phase {phase}");
    }

    public void SetBatch(int batch, int batches, int size)
    {
        lock (_lock)
        {
            Batch = batch;
            Batches = batches;
            _batch.Set(batch);
        }

        Say($"batch {batch} of {batches}: {size} node(s)");
    }

    public void SetPaused(bool paused)
    {
        Paused = paused;
        Say(paused ? "paused (agentctl-style: nodeagent-coordinator resume ROLLOUT to go on)" : "resumed");
    }

    /// <summary>Nodes already done in an earlier run of this rollout.</summary>
    public void Preload(int succeeded)
    {
        lock (_lock)
        {
            Succeeded = succeeded;
            Publish();
        }
    }

    public void NodeStarted(string node, IEnumerable<string> components)
    {
        lock (_lock)
        {
            InFlight++;
            Publish();
        }

        Say($"{node}: started ({string.Join(", ", components)})");
    }

    /// <summary>One step the agent reported for a component of a node (staging checked, swapped, restarted, healthy, stable).</summary>
    public void Step(string node, string component, string operationId, string step, string message) => Say($"{node}: {component} {step}: {message}");

    /// <summary>A node whose outcome is unknown (the coordinator stopped or lost the agent): neither done nor failed.</summary>
    public void NodeInFlight(string node, TimeSpan duration, string detail)
    {
        lock (_lock)
        {
            InFlight--;
            Publish();
        }

        Say($"{node}: IN FLIGHT after {duration.TotalSeconds:0.0}s (outcome not known yet; the next run follows it): {detail}");
    }

    public void NodeFinished(string node, bool ok, TimeSpan duration, string detail)
    {
        lock (_lock)
        {
            InFlight--;
            if (ok)
            {
                Succeeded++;
            }
            else
            {
                Failed++;
            }

            _nodeSeconds.Add(duration.TotalSeconds);
            Remember(node, ok, duration.TotalSeconds);
            _applySeconds.Observe(duration.TotalSeconds);
            Publish();
        }

        Say($"{node}: {(ok ? "ok" : "FAILED")} in {duration.TotalSeconds:0.0}s {detail}");
    }

    /// <summary>Remaining time from the mean node time so far and the concurrency in use; null before any node finished.</summary>
    public TimeSpan? Eta(int concurrency)
    {
        lock (_lock)
        {
            var left = Total - Succeeded - Failed;
            return _nodeSeconds.Count == 0 ? null : TimeSpan.FromSeconds(_nodeSeconds.Average() * Math.Ceiling(left / (double)Math.Max(1, concurrency)));
        }
    }

    /// <summary>The slowest nodes so far (at most three, slowest first), for a summary that stays short at any fleet size.</summary>
    public IReadOnlyList<(string Node, double Seconds)> Slowest()
    {
        lock (_lock)
        {
            return [.. _slowest];
        }
    }

    /// <summary>The names of the failed nodes so far, in the order they failed.</summary>
    public IReadOnlyList<string> FailedNodes()
    {
        lock (_lock)
        {
            return [.. _failedNodes];
        }
    }

    public void Ended(string rollout, string state, string reason) => Say($"rollout {rollout} {state}: {reason}");

    public void Say(string line) => Line?.Invoke($"{_time.GetUtcNow():HH:mm:ss} {line}");

    private void Remember(string node, bool ok, double seconds)
    {
        if (!ok)
        {
            _failedNodes.Add(node);
        }

        _slowest.Add((node, seconds));
        _slowest.Sort((a, b) => b.Seconds.CompareTo(a.Seconds));
        if (_slowest.Count > 3)
        {
            _slowest.RemoveAt(3);
        }
    }

    private void Publish()
    {
        _nodes.WithLabels("succeeded").Set(Succeeded);
        _nodes.WithLabels("failed").Set(Failed);
        _nodes.WithLabels("in-flight").Set(InFlight);
        _nodes.WithLabels("pending").Set(Total - Succeeded - Failed - InFlight);
    }
}
