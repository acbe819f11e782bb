using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SimFleet;

/// <summary>
/// One loopback HTTP server per fleet process standing in for every node's services: <c>GET /NODE/UNIT/healthz</c>
/// answers 200 once that unit is healthy (503 before, or while broken or dead), and <c>POST /NODE/UNIT/restart</c> is
/// the simulated <c>systemctl restart</c> that agentless tools (the Ansible baseline) use.
/// </summary>
internal sealed class HealthResponder : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HealthResponder(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public static async Task<HealthResponder> StartAsync(SimServices services)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxConcurrentConnections = null;
            kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        app.MapGet("/{node}/{unit}/healthz", (string node, string unit) =>
            services.Healthy(node, unit) ? Results.Text("ok") : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        app.MapPost("/{node}/{unit}/restart", (string node, string unit) =>
        {
            services.Restart(node, unit);
            return Results.Text("restarted");
        });
        await app.StartAsync();
        var responder = new HealthResponder(app);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        responder.Port = new Uri(address).Port;
        return responder;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
