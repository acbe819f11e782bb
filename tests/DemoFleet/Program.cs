using System.Globalization;
using DemoFleet;

// nodeagent-fleet --dir DIR --nodes N [--control-plane K]: starts the fleet, writes DIR/fleet.json when every agent
// answers, and runs until stdin closes or SIGTERM; then stops every agent and the services they supervise.
if (!OperatingSystem.IsLinux())
{
    await Console.Error.WriteLineAsync("nodeagent-fleet: Linux only");
    return 2;
}

string? directory = null;
var nodes = 24;
var controlPlane = 3;
for (var i = 0; i < args.Length - 1; i += 2)
{
    switch (args[i])
    {
        case "--dir":
            directory = args[i + 1];
            break;
        case "--nodes":
            nodes = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--control-plane":
            controlPlane = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        default:
            await Console.Error.WriteLineAsync($"nodeagent-fleet: unknown option {args[i]}");
            return 2;
    }
}

if (directory is null || nodes < 1 || controlPlane < 0 || controlPlane > nodes)
{
    await Console.Error.WriteLineAsync("usage: nodeagent-fleet --dir DIR --nodes N [--control-plane K]");
    return 2;
}

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
void OnSignal(System.Runtime.InteropServices.PosixSignalContext context)
{
    context.Cancel = true;
    stop.TrySetResult();
}

using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
await using var fleet = await Fleet.StartAsync(Path.GetFullPath(directory), nodes, controlPlane);
fleet.WriteManifest(Path.Combine(fleet.Directory, "fleet.json"));
Console.WriteLine($"fleet of {nodes} node(s) ready: {Path.Combine(fleet.Directory, "fleet.json")}");
var stdinClosed = Task.Run(() => Console.In.ReadToEnd());
await Task.WhenAny(stdinClosed, stop.Task);
return 0;
