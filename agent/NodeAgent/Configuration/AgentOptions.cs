namespace NodeAgent.Configuration;

/// <summary>The agent's whole configuration: the root of the config file.</summary>
internal sealed class AgentOptions
{
    /// <summary>Node name reported to callers; defaults to the machine name.</summary>
    public string? NodeName { get; set; }

    /// <summary>Directory holding the store, the journal and backups. Must be absolute.</summary>
    public string StateDir { get; set; } = "/var/lib/nodeagent";

    /// <summary>"systemd" (default), "windows" (the Service Control Manager), or "process" (the agent supervises each component's command itself).</summary>
    public string ServiceManager { get; set; } = "systemd";

    public ListenerOptions Listeners { get; set; } = new();

    public ApiOptions Api { get; set; } = new();

    public StoreOptions Store { get; set; } = new();

    public HealthOptions Health { get; set; } = new();

    public List<ComponentOptions> Components { get; set; } = [];

    public SecurityOptions Security { get; set; } = new();

    public LoggingOptions Logging { get; set; } = new();

    public LimitOptions Limits { get; set; } = new();

    public TestingOptions Testing { get; set; } = new();

    /// <summary>The node's container runtime, seen through CRI by the components with CheckContainers on.</summary>
    public ContainerRuntimeOptions ContainerRuntime { get; set; } = new();

    /// <summary>The API server endpoints whose connections are counted for the components with CountConnections on.</summary>
    public ApiServerOptions ApiServer { get; set; } = new();

    /// <summary>Pull staging (FetchArtifact) and serving blobs to peers.</summary>
    public DistributionOptions Distribution { get; set; } = new();
}

/// <summary>Where the CRI runtime listens. No endpoint: container checks report "not measured".</summary>
internal sealed class ContainerRuntimeOptions
{
    /// <summary>Absolute path of the runtime's CRI Unix socket, for example /run/containerd/containerd.sock.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Deadline of one snapshot (both list calls together).</summary>
    public double TimeoutSeconds { get; set; } = 10;
}

/// <summary>The cluster's API server, as the node's components reach it.</summary>
internal sealed class ApiServerOptions
{
    /// <summary>"ip:port" or "[ipv6]:port" of every API server endpoint (or load balancer) a component may connect to.</summary>
    public List<string> Endpoints { get; set; } = [];
}

internal sealed class LoggingOptions
{
    /// <summary>"auto" (default), "journal", "stderr" or "console"; see LogTargets.</summary>
    public string Target { get; set; } = "auto";
}

/// <summary>Who may call the agent and what it trusts. See the README's "Security model".</summary>
internal sealed class SecurityOptions
{
    /// <summary>Mutual TLS for the TCP listener.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>
    /// How a client certificate maps to a role, first match wins. Empty: a subject OU equal to a role name
    /// (admin, operator, monitor, peer) gives that role.
    /// </summary>
    public List<RoleMappingOptions> RoleMapping { get; set; } = [];

    /// <summary>Role of every caller on the plaintext loopback TCP listener (demo and tests only); read-only unless raised.</summary>
    public string PlaintextRole { get; set; } = "monitor";

    /// <summary>Besides root, members of this group (name or number) may use the Unix socket; they are admin too.</summary>
    public string? SocketGroup { get; set; }

    /// <summary>PEM public key (ECDSA P-256) of the release key. Set: Apply requires a manifest signed by it.</summary>
    public string? ReleasePublicKey { get; set; }

    /// <summary>
    /// Without a release key the agent refuses to start unless this is true: then any operator may install any
    /// binary it staged, as root. For demos, tests and clusters without a release process.
    /// </summary>
    public bool AllowUnsignedReleases { get; set; }

    /// <summary>The audit file rotates to audit.1.jsonl past this size.</summary>
    public long AuditMaxBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Refusals written to refusals.jsonl per caller and minute; more are counted and summarised.</summary>
    public int AuditRefusalsPerMinute { get; set; } = 10;
}

internal sealed class TlsOptions
{
    /// <summary>PEM certificate of this agent; its SANs must name the node (and the addresses callers use).</summary>
    public string? Certificate { get; set; }

    /// <summary>PEM private key of that certificate (mode 0600).</summary>
    public string? Key { get; set; }

    /// <summary>PEM bundle of the CA(s) whose client certificates are accepted.</summary>
    public string? ClientCa { get; set; }
}

/// <summary>One rule of the certificate-to-role mapping: exactly one of Ou, Cn and Uri, and the role it gives.</summary>
internal sealed class RoleMappingOptions
{
    /// <summary>Matches a subject OU (organizational unit) exactly.</summary>
    public string? Ou { get; set; }

    /// <summary>Matches the subject CN (common name) exactly.</summary>
    public string? Cn { get; set; }

    /// <summary>Matches a URI subject alternative name exactly, for example spiffe://cluster/ns/ops/sa/coordinator.</summary>
    public string? Uri { get; set; }

    public string Role { get; set; } = "";
}

/// <summary>Abuse limits: exceeding one gets RESOURCE_EXHAUSTED.</summary>
internal sealed class LimitOptions
{
    /// <summary>Calls (streams included) one caller may have open at once.</summary>
    public int MaxConcurrentCallsPerCaller { get; set; } = 64;

    /// <summary>Mutating calls one caller may make in any 60-second window.</summary>
    public int MutatingCallsPerMinute { get; set; } = 600;

    /// <summary>Declared bytes of all artifact uploads in progress at once.</summary>
    public long MaxStagingBytesInFlight { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Open connections over all listeners.</summary>
    public int MaxConnections { get; set; } = 512;

    /// <summary>A TLS connection must finish its handshake within this time.</summary>
    public double HandshakeTimeoutSeconds { get; set; } = 5;

    /// <summary>Connections still in their TLS handshake from one address.</summary>
    public int MaxUnauthenticatedPerAddress { get; set; } = 16;

    /// <summary>Connections still in their TLS handshake in all (at most half of MaxConnections); the rest stays for authenticated callers.</summary>
    public int MaxUnauthenticatedConnections { get; set; } = 128;

    /// <summary>An upload that sends nothing for this long is stopped and its reservation released.</summary>
    public double UploadIdleSeconds { get; set; } = 30;

    /// <summary>Bytes of one request message of any call but StageArtifact, checked before it is read.</summary>
    public int MaxRequestBytes { get; set; } = 64 * 1024;

    /// <summary>SHA-256 digests one request may name (all its sha256 fields together).</summary>
    public int MaxDigestsPerRequest { get; set; } = 64;

    /// <summary>Elements of repeated fields in one request, over all its fields and nested messages.</summary>
    public int MaxRepeatedPerRequest { get; set; } = 256;
}

/// <summary>Switches for the test suites only. A production config leaves them off.</summary>
internal sealed class TestingOptions
{
    /// <summary>Honour NODEAGENT_FAILPOINTS (the crash-consistency suite). Off: the variable makes the agent refuse to start.</summary>
    public bool AllowFailpoints { get; set; }
}

internal sealed class ListenerOptions
{
    /// <summary>Unix socket for the local agentctl (mode 0600). Empty disables it.</summary>
    public string? UnixSocket { get; set; } = "/run/nodeagent/agent.sock";

    public TcpListenerOptions Tcp { get; set; } = new();

    /// <summary>Optional HTTP/1.1 address for Prometheus, for example "127.0.0.1:9465".</summary>
    public string? Metrics { get; set; }
}

internal sealed class TcpListenerOptions
{
    public bool Enabled { get; set; }

    public string Address { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 7443;

    /// <summary>Serve gRPC over plaintext HTTP/2. Only allowed on a loopback address (demo, tests).</summary>
    public bool Plaintext { get; set; }
}

internal sealed class StoreOptions
{
    /// <summary>Largest artifact accepted, in bytes.</summary>
    public long MaxArtifactBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Free space that must remain on the state file system after a write.</summary>
    public long MinFreeBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Blobs staged more recently than this are never collected (pre-distributed for a coming window).</summary>
    public double GcMinAgeHours { get; set; } = 72;
}

internal sealed class HealthOptions
{
    /// <summary>How often the background monitor probes every component.</summary>
    public double ProbeIntervalSeconds { get; set; } = 10;

    /// <summary>Timeout of one HTTP healthz request.</summary>
    public double HttpTimeoutSeconds { get; set; } = 2;

    /// <summary>Default time an applied version has to become healthy.</summary>
    public double DefaultTimeoutSeconds { get; set; } = 60;
}

/// <summary>A catalog entry: everything the agent may touch for one component.</summary>
internal sealed class ComponentOptions
{
    public string Name { get; set; } = "";

    /// <summary>systemd unit name, or the process manager's name for it.</summary>
    public string Unit { get; set; } = "";

    public List<ComponentFileOptions> Files { get; set; } = [];

    /// <summary>HTTP URL that answers 2xx when healthy, for example http://127.0.0.1:10248/healthz.</summary>
    public string? HealthUrl { get; set; }

    public VersionProbeOptions Version { get; set; } = new();

    /// <summary>
    /// After its first healthy answer, an applied version must stay healthy with the same main PID this long before
    /// the apply succeeds; a crash or restart inside the window rolls it back. 0 turns the window off.
    /// </summary>
    public double HealthStableSeconds { get; set; } = 10;

    public MarkerOptions? Marker { get; set; }

    /// <summary>Arguments of the component's binary when the process manager runs it.</summary>
    public List<string> ProcessArgs { get; set; } = [];

    /// <summary>Apply snapshots the node's containers before the restart and after health, and reports any restarted (kubelet).</summary>
    public bool CheckContainers { get; set; }

    /// <summary>Apply counts the main process's established connections to ApiServer:Endpoints before and after.</summary>
    public bool CountConnections { get; set; }
}

internal sealed class ComponentFileOptions
{
    /// <summary>"binary", "config", "unit", "unit-dropin", or any other name; "binary" is required.</summary>
    public string Role { get; set; } = "";

    /// <summary>Absolute path on the node.</summary>
    public string Path { get; set; } = "";

    /// <summary>Octal permission bits, for example "0755".</summary>
    public string? Mode { get; set; }
}

internal sealed class VersionProbeOptions
{
    /// <summary>Arguments that make the binary print its version.</summary>
    public List<string> Args { get; set; } = ["--version"];

    /// <summary>Regular expression whose first match in the output is the version.</summary>
    public string Pattern { get; set; } = @"v?[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.+-]*";
}

internal sealed class MarkerOptions
{
    /// <summary>Absolute path of the hash-skip marker file.</summary>
    public string Path { get; set; } = "";

    /// <summary>"json" (default) or "env" (KEY=value lines).</summary>
    public string Format { get; set; } = "json";
}
