using Microsoft.AspNetCore.Builder;
using NodeAgent;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Testing;

StartClock.Start();
var arguments = AgentArguments.Parse(args);
if (arguments.Error is { } usageError)
{
    await Console.Error.WriteLineAsync($"nodeagent: {usageError}");
    return 2;
}

if (arguments.Help || arguments.Version)
{
    await Console.Out.WriteLineAsync(arguments.Help ? AgentArguments.Usage : $"nodeagent {AgentArguments.OwnVersion}");
    return 0;
}

// Nothing the agent creates is for other users unless it says so (the socket's group, catalog files' own modes).
if (!OperatingSystem.IsWindows())
{
    _ = NodeAgent.Native.Libc.Umask(Convert.ToUInt32("077", 8));
}

AgentOptions options;
var configPath = AgentConfigLoader.ResolvePath(arguments.ConfigPath);
try
{
    options = AgentConfigLoader.Load(configPath);
    StartClock.Mark("config");
    if (new Failpoints(options).Any)
    {
        await Console.Error.WriteLineAsync($"nodeagent: WARNING: failpoints armed ({Environment.GetEnvironmentVariable(Failpoints.EnvironmentVariable)}); this agent is under test");
    }
}
catch (AgentConfigException ex)
{
    await Console.Error.WriteLineAsync($"nodeagent: {ex.Message}");
    return 2;
}

WebApplication app;
try
{
    app = AgentApp.Create(options, args);
}
catch (AgentConfigException ex)
{
    await Console.Error.WriteLineAsync($"nodeagent: {ex.Message}");
    return 2;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync($"nodeagent: cannot start: {ex.Message}");
    return 1;
}

try
{
    await app.StartAsync();
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
{
    // A listener that cannot bind (address in use, socket directory not writable): a sentence, not a stack trace, and
    // the last line (the host's own log of the failure comes first, and everything its disposal writes).
    await app.DisposeAsync();
    await Console.Error.WriteLineAsync($"nodeagent: cannot start: {ex.Message}");
    return 1;
}

// READY=1 has gone out. What the start built and dropped (configuration, the host's builders, recovery's reads) is
// garbage now: collect it and give the memory back, once, rather than keep it resident until the heap grows.
GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
await app.WaitForShutdownAsync();
await app.DisposeAsync();
return 0;
