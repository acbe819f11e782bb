using System.Net;
using System.Net.Sockets;
using System.Text;
using StandInService;

var options = StandInOptions.Parse(args);
if (options.PrintVersion)
{
    Console.WriteLine($"Kubernetes {options.ReportedVersion}");
    return 0;
}

var startupDelayMs = options.DrawStartupDelayMs();
Console.WriteLine($"stand-in {options.ReportedVersion} starting, healthz on port {options.Port} healthy in {startupDelayMs} ms");

// The port is taken at once (another process cannot take it during a long start-up); /healthz answers 500 until started.
using var listener = new TcpListener(IPAddress.Loopback, options.Port);
listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
listener.Start();
var started = StartAsync(options, startupDelayMs);

// With --exit-after-ms the stand-in imitates a build that dies a few seconds after it became healthy.
using var lifetime = new CancellationTokenSource();
_ = started.ContinueWith(_ => lifetime.CancelAfter(options.ExitAfterMs is { } exitAfter ? TimeSpan.FromMilliseconds(exitAfter) : Timeout.InfiniteTimeSpan), TaskScheduler.Default);
try
{
    while (true)
    {
        var client = await listener.AcceptTcpClientAsync(lifetime.Token);
        _ = Task.Run(() => AnswerAsync(client, options, started.IsCompletedSuccessfully));
    }
}
catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
{
    Console.WriteLine($"stand-in {options.ReportedVersion} exiting after {options.ExitAfterMs} ms, as told");
    return 3;
}

// The start-up delay is the behaviour being imitated (a kubelet takes time to become healthy), not a wait in a test.
// The API connections are held open for the life of the process (the task keeps them), and opened before /healthz
// answers 200: healthy implies connected.
static async Task<List<TcpClient>> StartAsync(StandInOptions options, int startupDelayMs)
{
    await Task.Delay(TimeSpan.FromMilliseconds(startupDelayMs), TimeProvider.System);
    var apiConnections = new List<TcpClient>();
    for (var i = 0; i < options.ApiConnectionCount; i++)
    {
        var connection = new TcpClient(AddressFamily.InterNetworkV6) { Client = { DualMode = true } };
        await connection.ConnectAsync(IPEndPoint.Parse(options.ApiEndpoint!));
        apiConnections.Add(connection);
    }

    Console.WriteLine($"stand-in {options.ReportedVersion} serving, holding {apiConnections.Count} connection(s) to {options.ApiEndpoint}");
    return apiConnections;
}

static async Task AnswerAsync(TcpClient client, StandInOptions options, bool started)
{
    using (client)
    {
        var stream = client.GetStream();
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer);
        var requestLine = Encoding.ASCII.GetString(buffer, 0, read).Split('\n')[0];
        var gated = options.HealthyWhenFileExists is { } gate && !File.Exists(gate);
        var (status, body) = requestLine.StartsWith("GET /healthz", StringComparison.Ordinal)
            ? !started ? ("500 Internal Server Error", "starting") : !options.Healthy ? ("500 Internal Server Error", "never healthy") : gated ? ("500 Internal Server Error", "waiting for the gate file") : ("200 OK", "ok")
            : ("404 Not Found", "not found");
        var response = $"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
    }
}
