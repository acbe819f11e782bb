using Prometheus;

namespace NodeAgent.Health;

/// <summary>The agent's Prometheus metrics, in a registry of its own (several agents may share a test process).</summary>
internal sealed class AgentMetrics
{
    public AgentMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        Operations = factory.CreateCounter("nodeagent_operations_total", "Operations that reached a terminal state.", "kind", "result");
        StagedBytes = factory.CreateCounter("nodeagent_stage_bytes_total", "Bytes written to the store by StageArtifact.");
        ApplyDuration = factory.CreateHistogram(
            "nodeagent_apply_duration_seconds",
            "Time from accepting an apply to its terminal state.",
            new HistogramConfiguration { Buckets = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300] });
        ComponentUp = factory.CreateGauge("nodeagent_component_up", "1 when the component's last probe was healthy.", "component");
        ConnectionsRefused = factory.CreateCounter("nodeagent_connections_refused_total", "TLS connections closed before their handshake by the unauthenticated-connection limits.", "reason");
        ClientCaUntrusted = factory.CreateGauge("nodeagent_client_ca_untrusted", "1 while the client CA bundle is missing, empty or unreadable: no new TLS caller is trusted.");
    }

    public CollectorRegistry Registry { get; }

    public Counter Operations { get; }

    public Counter StagedBytes { get; }

    public Histogram ApplyDuration { get; }

    public Gauge ComponentUp { get; }

    public Counter ConnectionsRefused { get; }

    public Gauge ClientCaUntrusted { get; }
}
