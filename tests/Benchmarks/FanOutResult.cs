namespace Benchmarks;

/// <summary>One GetInfo to every node over mutual TLS: cold (new channels, TLS handshakes) and warm (the same channels).</summary>
internal sealed record FanOutResult(double ColdMs, double ColdCpuMs, double WarmMs, double RssKbPerAgent);
