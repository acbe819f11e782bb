using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SimFleet.Distribution;

/// <summary>
/// The origin of the distribution tests and benchmark: real Kestrel on loopback serving a directory's files with ranged GETs
/// ("Range: bytes=N-"), counting every body byte it sends (its egress).
/// </summary>
internal sealed class OriginServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _egress;

    private OriginServer(WebApplication app, string directory)
    {
        _app = app;
        Directory = directory;
    }

    public string Directory { get; }

    /// <summary>The base URL, ending in '/': a file is served at BaseUrl + its name.</summary>
    public string BaseUrl { get; private set; } = "";

    public long EgressBytes => Interlocked.Read(ref _egress);

    public static async Task<OriginServer> StartAsync(string directory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var origin = new OriginServer(app, directory);
        app.MapGet("/files/{name}", origin.ServeAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        origin.BaseUrl = address.TrimEnd('/') + "/files/";
        return origin;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context, string name)
    {
        var path = Path.Combine(Directory, Path.GetFileName(name));
        if (!File.Exists(path))
        {
            context.Response.StatusCode = 404;
            return;
        }

        await using var file = File.OpenRead(path);
        long start = 0;
        if (RangeHeaderValue.TryParse(context.Request.Headers.Range.ToString(), out var range) && range.Ranges.FirstOrDefault()?.From is { } from)
        {
            start = from;
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {start}-{file.Length - 1}/{file.Length}";
        }

        context.Response.ContentLength = file.Length - start;
        file.Position = start;
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await file.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
            Interlocked.Add(ref _egress, read);
        }
    }
}
