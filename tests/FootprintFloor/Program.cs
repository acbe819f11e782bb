using FootprintFloor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

// footprint-floor --config DIR/agent.yaml: serves GetInfo and StageArtifact on DIR/agent.sock and says READY=1 on
// NOTIFY_SOCKET once bound. It reads nothing from the file: the directory is all the benchmark gives it.
var config = args.SkipWhile(a => a != "--config").Skip(1).FirstOrDefault();
if (config is null)
{
    await Console.Error.WriteLineAsync("usage: footprint-floor --config DIR/agent.yaml");
    return 2;
}

var dir = Path.GetDirectoryName(Path.GetFullPath(config))!;
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.Sources.Clear();
builder.Logging.ClearProviders();
builder.Services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
builder.Services.AddSingleton(new FloorStore(dir));
builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = (1024 * 1024) + (64 * 1024));
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(Path.Combine(dir, "agent.sock"), listen => listen.Protocols = HttpProtocols.Http2));
var app = builder.Build();
app.MapGrpcService<FloorService>();
await using (app)
{
    await app.StartAsync();
    // As the agent does once READY=1 is out: the start's garbage collected and the memory given back.
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    await app.WaitForShutdownAsync();
}

return 0;
