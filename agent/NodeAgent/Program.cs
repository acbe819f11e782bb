using Microsoft.AspNetCore.Builder;
using NodeAgent;
using NodeAgent.Configuration;
using NodeAgent.Testing;

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
