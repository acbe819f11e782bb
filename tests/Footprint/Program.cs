using System.Globalization;
using System.Text.Json;
using Footprint;

// nodeagent-footprint [--packages DIR] [--idle-seconds 30] [--calls 10000] [--blob-mb 150]
// Starts the packaged agent twice (NativeAOT executable from the tarball, JIT build from packages/jit) and Debian's
// prometheus-node-exporter, all on this machine at once, and measures: binary size, start to READY=1 (sd_notify),
// idle resident memory and CPU over the same idle window, then, per agent, resident memory after N GetInfo calls and
// after staging a blob. Prints a table and, last, one JSON line. Build the packages first: packaging/build.sh.
if (!OperatingSystem.IsLinux())
{
    return 2;
}

var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
var packages = Arg("--packages", Path.Combine(root, "artifacts", "packages"));
var idle = TimeSpan.FromSeconds(double.Parse(Arg("--idle-seconds", "30"), CultureInfo.InvariantCulture));
var calls = int.Parse(Arg("--calls", "10000"), CultureInfo.InvariantCulture);
var blobBytes = long.Parse(Arg("--blob-mb", "150"), CultureInfo.InvariantCulture) * 1024 * 1024;

var tarball = Directory.EnumerateFiles(packages, "nodeagent-*-linux-x64.tar.gz").Order(StringComparer.Ordinal).LastOrDefault();
var jit = Path.Combine(packages, "jit", "nodeagent.dll");
if (tarball is null || !File.Exists(jit))
{
    await Console.Error.WriteLineAsync($"no packages in {packages}: run packaging/build.sh first");
    return 2;
}

var work = Directory.CreateTempSubdirectory("nodeagent-footprint-").FullName;
try
{
    await Run.CheckedAsync("tar", "-xzf", tarball, "-C", work);
    var aotDir = Directory.EnumerateDirectories(work, "nodeagent-*").Single();
    await using var aot = await AgentUnderTest.StartAsync("aot", [Path.Combine(aotDir, "nodeagent")], Path.Combine(work, "aot"));
    await using var jitAgent = await AgentUnderTest.StartAsync("jit", [Run.Dotnet, jit], Path.Combine(work, "jit"));
    await using var exporter = await NodeExporter.StartAsync();

    await Console.Error.WriteLineAsync($"idle window: {idle.TotalSeconds} s");
    var idleFigures = await Sampler.IdleAsync([aot.Pid, jitAgent.Pid, exporter.Pid], idle);

    var figures = new Dictionary<string, double>(StringComparer.Ordinal);
    foreach (var (agent, size, idleOf) in new[]
    {
        (aot, Run.Size(Path.Combine(aotDir, "nodeagent")), idleFigures[0]),
        (jitAgent, Run.DirectorySize(Path.GetDirectoryName(jit)!), idleFigures[1]),
    })
    {
        var afterCalls = await agent.CallsAsync(calls);
        var afterStage = await agent.StageAsync(blobBytes);
        figures[$"{agent.Name}_binary_bytes"] = size;
        figures[$"{agent.Name}_start_to_ready_ms"] = Math.Round(agent.ReadyAfter.TotalMilliseconds, 1);
        figures[$"{agent.Name}_idle_rss_kib"] = idleOf.RssKib;
        figures[$"{agent.Name}_idle_cpu_percent"] = Math.Round(idleOf.CpuPercent, 3);
        figures[$"{agent.Name}_rss_after_{calls}_calls_kib"] = afterCalls;
        figures[$"{agent.Name}_rss_after_stage_{blobBytes / 1024 / 1024}mb_kib"] = afterStage;
        figures[$"{agent.Name}_peak_rss_kib"] = Sampler.PeakKib(agent.Pid);
    }

    figures["node_exporter_idle_rss_kib"] = idleFigures[2].RssKib;
    figures["node_exporter_idle_cpu_percent"] = Math.Round(idleFigures[2].CpuPercent, 3);
    foreach (var name in new[] { "aot", "jit" })
    {
        figures[$"{name}_idle_rss_vs_node_exporter"] = Math.Round(figures[$"{name}_idle_rss_kib"] / idleFigures[2].RssKib, 2);
        figures[$"{name}_loaded_rss_vs_node_exporter"] = Math.Round(figures[$"{name}_rss_after_stage_{blobBytes / 1024 / 1024}mb_kib"] / idleFigures[2].RssKib, 2);
    }

    foreach (var (key, value) in figures)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key,-44} {value}"));
    }

    Console.WriteLine(JsonSerializer.Serialize(figures, FootprintJson.Default.DictionaryStringDouble));
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

string Arg(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
