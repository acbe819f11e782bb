using NodeAgent;
using NodeAgent.Configuration;

AgentOptions options;
var configPath = AgentConfigLoader.ResolvePath(args);
try
{
    options = AgentConfigLoader.Load(configPath);
}
catch (AgentConfigException ex)
{
    await Console.Error.WriteLineAsync($"nodeagent: {ex.Message}");
    return 2;
}

var app = AgentApp.Create(options, args);
await app.RunAsync();
return 0;
