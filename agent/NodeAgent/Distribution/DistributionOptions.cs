namespace NodeAgent.Configuration;

/// <summary>Pull staging (FetchArtifact) and serving blobs to peers; see docs/agent/distribution.md.</summary>
internal sealed class DistributionOptions
{
    /// <summary>URL prefixes FetchArtifact may pull from, for example "https://artifacts.example.com/k8s/". Empty: URL sources are refused.</summary>
    public List<string> Origins { get; set; } = [];

    /// <summary>Bytes per second all fetches of this agent together may receive (40 MiB/s, about a third of 1 Gbit/s). 0: no limit.</summary>
    public long MaxFetchBytesPerSecond { get; set; } = 40L * 1024 * 1024;

    /// <summary>Bytes per second ReadArtifact may send to peers in all (80 MiB/s: two peers at the fetch limit). 0: no limit.</summary>
    public long MaxServeBytesPerSecond { get; set; } = 80L * 1024 * 1024;

    /// <summary>PEM client certificate with the peer role (OU=peer) that this agent presents to other agents.</summary>
    public string? PeerCertificate { get; set; }

    /// <summary>Its PEM private key.</summary>
    public string? PeerKey { get; set; }

    /// <summary>PEM bundle of the CA(s) peer agents' certificates must chain to (usually Security:Tls:ClientCa).</summary>
    public string? PeerCa { get; set; }

    /// <summary>A source that sends nothing for this long is left for the next one.</summary>
    public double SourceIdleSeconds { get; set; } = 15;
}
