using System.Globalization;
using System.Text.Json;
using Footprint;

// nodeagent-footprint [--packages DIR] [--floor FILE] [--idle-seconds 30] [--calls 10000] [--blob-mb 150] [--starts 5]
// Starts, all on this machine at once: the packaged agent twice (NativeAOT executable from the tarball, JIT build from
// packages/jit), the floor (a bare NativeAOT Kestrel gRPC server, tests/FootprintFloor) and Debian's
// prometheus-node-exporter; every .NET server with the unit's Environment=. Measures binary size, start to READY=1
// (sd_notify) and the agent's own start timeline, idle resident memory (and where it is) and CPU over the same idle
// window, then resident memory after N GetInfo calls and after staging a blob; last, the start again and again (the
// agent with an empty journal, the floor, the agent with one crashed apply to recover; medians, with the load average).
// Prints a table and, last, one JSON line. scripts/footprint.sh builds everything first.
if (!OperatingSystem.IsLinux())
{
    return 2;
}

var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
var packages = Arg("--packages", Path.Combine(root, "artifacts", "packages"));
var floorBinary = Arg("--floor", Path.Combine(root, "artifacts", "footprint-floor", "footprint-floor"));
var idle = TimeSpan.FromSeconds(double.Parse(Arg("--idle-seconds", "30"), CultureInfo.InvariantCulture));
var calls = int.Parse(Arg("--calls", "10000"), CultureInfo.InvariantCulture);
var blobMb = long.Parse(Arg("--blob-mb", "150"), CultureInfo.InvariantCulture);
var starts = int.Parse(Arg("--starts", "5"), CultureInfo.InvariantCulture);

var tarball = Directory.EnumerateFiles(packages, "nodeagent-*-linux-x64.tar.gz").Order(StringComparer.Ordinal).LastOrDefault();
var jit = Path.Combine(packages, "jit", "nodeagent.dll");
if (tarball is null || !File.Exists(jit) || !File.Exists(floorBinary))
{
    await Console.Error.WriteLineAsync($"no packages in {packages} or no {floorBinary}: run scripts/footprint.sh");
    return 2;
}

var work = Directory.CreateTempSubdirectory("nodeagent-footprint-").FullName;
try
{
    await Run.CheckedAsync("tar", "-xzf", tarball, "-C", work);
    var aotDir = Directory.EnumerateDirectories(work, "nodeagent-*").Single();
    var environment = UnitEnvironment.Read(Path.Combine(aotDir, "nodeagent.service"));
    await Console.Error.WriteLineAsync($"unit environment: {string.Join(' ', environment.Select(e => $"{e.Key}={e.Value}"))}");
    string[] aotCommand = [Path.Combine(aotDir, "nodeagent")];
    await using var aot = await StartAsync("aot", aotCommand, environment);
    await using var jitAgent = await StartAsync("jit", [Run.Dotnet, jit], environment);
    await using var floor = await StartAsync("floor", [floorBinary], environment);
    await using var exporter = await NodeExporter.StartAsync();

    await Console.Error.WriteLineAsync($"idle window: {idle.TotalSeconds} s");
    var idleFigures = await Sampler.IdleAsync([aot.Pid, jitAgent.Pid, floor.Pid, exporter.Pid], idle);
    var rows = new List<Report.Row>();
    foreach (var (server, size, idleOf) in new[]
    {
        (aot, Run.Size(aotCommand[0]), idleFigures[0]),
        (jitAgent, Run.DirectorySize(Path.GetDirectoryName(jit)!), idleFigures[1]),
        (floor, Run.Size(floorBinary), idleFigures[2]),
    })
    {
        var map = MemoryMap.Breakdown(server.Pid);
        var afterCalls = await server.CallsAsync(calls);
        var afterStage = await server.StageAsync(blobMb * 1024 * 1024);
        rows.Add(new Report.Row(server.Name, size, Math.Round(server.ReadyAfter.TotalMilliseconds, 1), idleOf, map, afterCalls, afterStage, Sampler.PeakKib(server.Pid)));
    }

    rows.Add(new Report.Row("node_exporter", Run.Size(NodeExporter.Binary), null, idleFigures[3], MemoryMap.Breakdown(exporter.Pid), null, null, Sampler.PeakKib(exporter.Pid)));
    var figures = Report.Figures(rows, calls, blobMb);
    await Console.Error.WriteLineAsync($"{starts} starts of each: the agent with an empty journal, the floor, the agent with one operation to recover");
    figures["load_average_1m_before_starts"] = Report.LoadAverage();
    Report.AddStarts(figures, "aot", await Starts.EmptyAsync("aot", aotCommand, work, environment, starts));
    Report.AddStarts(figures, "floor", await Starts.EmptyAsync("floor", [floorBinary], work, environment, starts));
    Report.AddStarts(figures, "aot_recovery", await Starts.RecoveringAsync(aotCommand, work, environment, starts));
    figures["load_average_1m_after_starts"] = Report.LoadAverage();
    figures["aot_start_vs_floor"] = Math.Round(figures["aot_start_to_ready_ms"] / figures["floor_start_to_ready_ms"], 2);
    Report.Print(rows, figures, calls, blobMb);
    Console.WriteLine(JsonSerializer.Serialize(figures, FootprintJson.Default.DictionaryStringDouble));
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

async Task<AgentUnderTest> StartAsync(string name, string[] command, IReadOnlyDictionary<string, string> environment)
{
    var dir = Path.Combine(work, name);
    await AgentUnderTest.WriteConfigAsync(name, dir);
    return await AgentUnderTest.StartAsync(name, command, dir, environment);
}

string Arg(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
