using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using NodeAgent.Api;
using NodeAgent.Claims;
using NodeAgent.Checks;
using NodeAgent.Components;
using NodeAgent.Configuration;
using NodeAgent.Distribution;
using NodeAgent.Files;
using NodeAgent.Health;
using NodeAgent.Hosting;
using NodeAgent.Logging;
using NodeAgent.Marker;
using NodeAgent.Operations;
using NodeAgent.Security;
using NodeAgent.Services;
using NodeAgent.Store;
using NodeAgent.Testing;
using Prometheus;
using Serilog;
using Serilog.Events;

namespace NodeAgent;

/// <summary>Builds the agent: configuration, features, listeners and endpoints. Used by Program and by the tests.</summary>
internal static partial class AgentApp
{
    public static WebApplication Create(AgentOptions options, string[] args, Action<IServiceCollection>? overrides = null)
    {
        // The empty builder: no configuration sources (the agent reads its own file; the slim builder's appsettings.json
        // source also started a file-watcher thread), no logging providers but Serilog, Kestrel without HTTPS
        // configuration unless the TLS listener needs it. See docs/agent/footprint.md.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore();
        if (options.Listeners.Tcp is { Enabled: true, Plaintext: false })
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
        }

        builder.Services.AddRoutingCore();
        builder.Services.AddSystemd();
        if (!SystemdHelpers.IsSystemdService() && Environment.GetEnvironmentVariable("NOTIFY_SOCKET") is { Length: > 0 })
        {
            // sd_notify's rule is "notify when NOTIFY_SOCKET is set"; AddSystemd also wants systemd as the parent
            // process, which a wrapper (a shell exec, a container runtime, a benchmark) is not.
            builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
            builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }

        builder.Services.AddWindowsService();
        builder.Services.AddSerilog((services, logging) => LogTargets.Apply(
            logging
                .ReadFrom.Services(services)
                .MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
                .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
                .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
                .Enrich.FromLogContext(),
            options.Logging.Target));
        OwnedDirectory.Ensure(options.StateDir, "StateDir");
        if (options.Listeners.UnixSocket is { Length: > 0 } socketPath)
        {
            OwnedDirectory.Ensure(Path.GetDirectoryName(socketPath)!, "Listeners:UnixSocket");
        }

        var stateLock = StateDirLock.Acquire(options.StateDir);
        builder.Services.AddSingleton(_ => stateLock);
        builder.Services.AddNodeAgent(options);
        overrides?.Invoke(builder.Services);
        // After the agent's hosted services (crash recovery first) and before the server: see StartTimeline.
        builder.Services.AddHostedService<StartTimeline>();
        ConfigureListeners(builder.WebHost, options);

        var app = builder.Build();
        app.UseMiddleware<RequestBounds>();
        app.MapGrpcService<NodeAgentGrpcService>();
        app.MapGrpcService<ClaimGrpcService>();
        app.MapGrpcService<Distribution.DistributionGrpcService>();
        app.MapGrpcHealthChecksService();
        if (options.Api.Reflection)
        {
            app.MapGrpcReflectionService();
        }

        if (options.Listeners.Metrics is { Length: > 0 } metricsAddress)
        {
            // Only on the metrics listener: the gRPC listeners serve nothing their callers' roles do not allow.
            app.MapMetrics("/metrics", app.Services.GetRequiredService<AgentMetrics>().Registry)
                .RequireHost($"*:{IPEndPoint.Parse(metricsAddress).Port}");
        }
        if (options.Listeners.UnixSocket is { Length: > 0 } socket)
        {
            // Kestrel creates the socket with the process umask; narrow it once bound: the owner (root), plus the
            // configured group when there is one.
            app.Lifetime.ApplicationStarted.Register(() => SocketPermissions.Apply(socket, options.Security.SocketGroup));
        }

        WarnIfPlaintext(app, options);
        return app;
    }

    public static IServiceCollection AddNodeAgent(this IServiceCollection services, AgentOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ComponentCatalog>();
        services.AddSingleton<MarkerService>();
        services.AddSingleton<AgentPaths>();
        services.AddSingleton<Failpoints>();
        services.AddSingleton<AgentReadiness>();
        services.AddSingleton<AgentMetrics>();
        services.AddSingleton(sp => new AgentIdentity(
            options.NodeName ?? Environment.MachineName,
            typeof(AgentApp).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            sp.GetRequiredService<TimeProvider>().GetUtcNow(),
            options.ServiceManager));
        services.AddSingleton<DigestCache>();
        services.AddSingleton<ArtifactStore>();
        services.AddSingleton<GarbageCollector>();
        services.AddSingleton<OperationJournal>();
        services.AddSingleton<OperationRegistry>();
        services.AddSingleton<OperationFinisher>();
        services.AddSingleton<OperationEscalation>();
        services.AddSingleton<ContainerRuntimeClient>();
        services.AddSingleton<ApplyChecks>();
        services.AddSingleton<SwapTransaction>();
        services.AddSingleton<ApplyPreflight>();
        services.AddSingleton<StabilityWatch>();
        services.AddSingleton<ComponentActions>();
        services.AddSingleton<OperationService>();
        services.AddSingleton<ComponentProber>();
        services.AddSingleton<ComponentInspector>();
        services.AddSingleton<ComponentMonitor>();
        services.AddHttpClient();
        if (options.ServiceManager == "process")
        {
            services.AddSingleton<IServiceManager, ProcessServiceManager>();
        }
        else if (options.ServiceManager == "windows" && OperatingSystem.IsWindows())
        {
            services.AddSingleton<IServiceManager, WindowsServiceManager>();
        }
        else
        {
            services.AddSingleton<IServiceManager, SystemdServiceManager>();
        }

        // Recovery is registered before anything else that starts, and the server starts after all hosted services.
        services.AddHostedService<CrashRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<ComponentMonitor>());
        services.AddHostedService<SystemdWatchdog>();

        services.AddSingleton<LocalPeers>();
        services.AddSingleton<ServerTls>();
        services.AddSingleton<CallerResolver>();
        services.AddSingleton<CallLimits>();
        services.AddSingleton<StagingBudget>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<ReleaseKey>();
        services.AddSingleton<CallGate>();
        services.AddSingleton<ErrorInterceptor>();
        services.AddSingleton<ClaimStore>();
        services.AddSingleton<ClaimGuard>();
        services.AddSingleton<RequestBounds>();
        services.AddSingleton<UploadIdleLimit>();
        services.AddSingleton<HandshakeGate>();
        services.AddDistribution();
        services.AddGrpc(grpc =>
        {
            // The gate runs first (outermost): it sees the statuses the error interceptor produces, for the audit trail.
            grpc.Interceptors.Add<CallGate>();
            grpc.Interceptors.Add<ErrorInterceptor>();
            grpc.Interceptors.Add<ClaimGuard>();
            grpc.MaxReceiveMessageSize = NodeAgentGrpcService.ChunkSize + (64 * 1024);
            grpc.EnableDetailedErrors = false;
        });
        if (options.Api.Reflection)
        {
            services.AddGrpcReflection();
        }

        var health = services.AddGrpcHealthChecks(grpcHealth =>
        {
            grpcHealth.Services.Map("", _ => true);
            foreach (var component in options.Components)
            {
                grpcHealth.Services.Map(component.Name, registration => registration.Tags.Contains(component.Name));
            }
        });
        foreach (var component in options.Components)
        {
            health.Add(new HealthCheckRegistration(
                component.Name,
                sp => new ComponentHealthCheck(sp.GetRequiredService<ComponentMonitor>(), sp.GetRequiredService<AgentReadiness>(), component.Name),
                failureStatus: HealthStatus.Unhealthy,
                tags: [component.Name]));
        }

        return services;
    }

    private static void WarnIfPlaintext(WebApplication app, AgentOptions options)
    {
        if (options.Listeners.Tcp is { Enabled: true, Plaintext: true } tcp)
        {
            LogPlaintext(app.Logger, tcp.Address, tcp.Port, options.Security.PlaintextRole);
        }
    }

    private static void ConfigureListeners(IWebHostBuilder webHost, AgentOptions options) => webHost.ConfigureKestrel(kestrel =>
    {
        var listeners = options.Listeners;
        kestrel.Limits.MaxConcurrentConnections = options.Limits.MaxConnections;
        kestrel.Limits.Http2.MaxStreamsPerConnection = Math.Min(100, options.Limits.MaxConcurrentCallsPerCaller);
        kestrel.AddServerHeader = false;
        if (listeners.UnixSocket is { Length: > 0 } socket)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(socket)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.Delete(socket);
            var peers = kestrel.ApplicationServices.GetRequiredService<LocalPeers>();
            kestrel.ListenUnixSocket(socket, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(peers.Middleware);
            });
        }

        if (listeners.Tcp.Enabled)
        {
            var tls = listeners.Tcp.Plaintext ? null : kestrel.ApplicationServices.GetRequiredService<ServerTls>();
            tls?.Load();
            var handshakes = kestrel.ApplicationServices.GetRequiredService<HandshakeGate>();
            kestrel.Listen(IPAddress.Parse(listeners.Tcp.Address), listeners.Tcp.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (tls is not null)
                {
                    listen.Use(handshakes.BeforeHandshake);
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificateSelector = (_, _) => tls.Certificate,
                        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                        ClientCertificateValidation = (certificate, _, _) => tls.CheckClient(certificate) is null,
                        SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        CheckCertificateRevocation = false,
                        HandshakeTimeout = TimeSpan.FromSeconds(options.Limits.HandshakeTimeoutSeconds),
                    });
                    listen.Use(HandshakeGate.AfterHandshake);
                }
            });
        }

        if (listeners.Metrics is { Length: > 0 } metrics)
        {
            kestrel.Listen(IPEndPoint.Parse(metrics), listen => listen.Protocols = HttpProtocols.Http1);
        }
    });

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Plaintext gRPC on {Address}:{Port}: every local process that can reach it is treated as {Role}. For demos and tests only; use mutual TLS in production")]
    private static partial void LogPlaintext(Microsoft.Extensions.Logging.ILogger logger, string address, int port, string role);
}
