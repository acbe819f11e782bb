using Microsoft.AspNetCore.Builder;
using NodeAgent;
using NodeAgent.Configuration;
using NodeAgent.Testing;

// Nothing the agent creates is for other users unless it says so (the socket's group, catalog files' own modes).
if (!OperatingSystem.IsWindows())
{
    _ = NodeAgent.Native.Libc.Umask(Convert.ToUInt32("077", 8));
}

AgentOptions options;
var configPath = AgentConfigLoader.ResolvePath(args);
try
{
    options = AgentConfigLoader.Load(configPath);
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

await app.RunAsync();
return 0;
