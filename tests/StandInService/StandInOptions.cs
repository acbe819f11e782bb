using System.Globalization;
using System.Text.Json;

namespace StandInService;

/// <summary>
/// How the stand-in behaves. From the command line: --reported-version V (baked into the "binary" script),
/// --version, --config FILE (JSON: port, startupDelayMs, startupDelayMaxMs, healthy, healthyWhenFileExists,
/// apiConnections: { endpoint, count }), --port, --startup-delay-ms, --never-healthy, --exit-after-ms. Later flags win
/// over the config file.
/// </summary>
internal sealed record StandInOptions(string ReportedVersion, bool PrintVersion, int Port, int StartupDelayMs, bool Healthy)
{
    /// <summary>While set and the file does not exist, /healthz answers 500 (a test decides when the new version is healthy).</summary>
    public string? HealthyWhenFileExists { get; init; }

    /// <summary>"ip:port" to hold <see cref="ApiConnectionCount"/> TCP connections to from start-up on, as a kubelet holds its API server connections.</summary>
    public string? ApiEndpoint { get; init; }

    public int ApiConnectionCount { get; init; }

    /// <summary>When above <see cref="StartupDelayMs"/>: the start-up delay is drawn at random between the two (a fleet whose services take uneven time).</summary>
    public int StartupDelayMaxMs { get; init; }

    /// <summary>When set, the process exits this long after it starts serving (a build that dies some seconds after it looked healthy).</summary>
    public int? ExitAfterMs { get; init; }

    /// <summary>The start-up delay of this run.</summary>
    public int DrawStartupDelayMs() => StartupDelayMaxMs > StartupDelayMs ? Random.Shared.Next(StartupDelayMs, StartupDelayMaxMs + 1) : StartupDelayMs;

    public static StandInOptions Parse(string[] args)
    {
        var options = new StandInOptions("v0.0.0", false, 0, 300, true);
        for (var i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--reported-version" => options with { ReportedVersion = args[++i] },
                "--version" => options with { PrintVersion = true },
                "--config" => FromFile(options, args[++i]),
                "--port" => options with { Port = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--startup-delay-ms" => options with { StartupDelayMs = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--never-healthy" => options with { Healthy = false },
                "--exit-after-ms" => options with { ExitAfterMs = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }

        return options;
    }

    private static StandInOptions FromFile(StandInOptions options, string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        return options with
        {
            Port = root.TryGetProperty("port", out var port) ? port.GetInt32() : options.Port,
            StartupDelayMs = root.TryGetProperty("startupDelayMs", out var delay) ? delay.GetInt32() : options.StartupDelayMs,
            StartupDelayMaxMs = root.TryGetProperty("startupDelayMaxMs", out var maxDelay) ? maxDelay.GetInt32() : options.StartupDelayMaxMs,
            Healthy = root.TryGetProperty("healthy", out var healthy) ? healthy.GetBoolean() : options.Healthy,
            HealthyWhenFileExists = root.TryGetProperty("healthyWhenFileExists", out var gate) ? gate.GetString() : options.HealthyWhenFileExists,
            ApiEndpoint = root.TryGetProperty("apiConnections", out var api) ? api.GetProperty("endpoint").GetString() : options.ApiEndpoint,
            ApiConnectionCount = root.TryGetProperty("apiConnections", out var connections) ? connections.GetProperty("count").GetInt32() : options.ApiConnectionCount,
        };
    }
}
