using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using SimFleet;

// nodeagent-simfleet --dir DIR --pki DIR --first I --agents N [--agentless A] [--seed S] [--service-time X]
//   [--fail-fraction F] [--die-fraction F]: starts N real agents with simulated services (and A agentless hosts), writes
// DIR/fleet-I.json, prints "ready DIR/fleet-I.json", and runs until stdin closes or SIGTERM.
if (!OperatingSystem.IsLinux())
{
    await Console.Error.WriteLineAsync("nodeagent-simfleet: Linux only");
    return 2;
}

string Text(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{name} is required");
string? Optional(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
double Number(string name, double fallback) => Optional(name) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;

var directory = Path.GetFullPath(Text("--dir"));
var options = new SimFleetOptions(
    directory,
    Path.GetFullPath(Text("--pki")),
    (int)Number("--first", 1),
    (int)Number("--agents", 100),
    (int)Number("--agentless", 0),
    new SimTimings((int)Number("--seed", 1), Number("--service-time", 1), Number("--fail-fraction", 0), Number("--die-fraction", 0)));

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stop.TrySetResult();
}

using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
await using var fleet = await SimFleetHost.StartAsync(options);
var manifest = Path.Combine(directory, $"fleet-{options.First}.json");
await File.WriteAllTextAsync(manifest + ".tmp", JsonSerializer.Serialize(fleet.Manifest, SimJsonContext.Default.SimManifest));
File.Move(manifest + ".tmp", manifest, overwrite: true);
Console.WriteLine($"ready {manifest}");
var stdinClosed = Task.Run(() => Console.In.ReadToEnd());
await Task.WhenAny(stdinClosed, stop.Task);
return 0;
