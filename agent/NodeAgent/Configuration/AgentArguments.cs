using System.Reflection;

namespace NodeAgent.Configuration;

/// <summary>
/// The daemon's own command line: <c>--config PATH</c>, <c>--help</c>, <c>--version</c>. Everything else lives in
/// the config file, so anything else here is a mistake worth a sentence.
/// </summary>
internal sealed record AgentArguments(string? ConfigPath, bool Help, bool Version, string? Error)
{
    public const string Usage = """
        nodeagent: the NodeAgent node daemon (stages, swaps, restarts and health-checks Kubernetes components)

        Usage:
          nodeagent [--config PATH]   run the agent (under systemd: Type=notify; READY after crash recovery)
          nodeagent --help            this text
          nodeagent --version         the agent's version

        Options:
          --config PATH   the agent's config file (default: $NODEAGENT_CONFIG, else /etc/nodeagent/agent.yaml);
                          a relative path is relative to the current directory

        Operate a running agent with agentctl (agentctl --help).
        """;

    public static string OwnVersion => typeof(AgentArguments).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    public static AgentArguments Parse(IReadOnlyList<string> args)
    {
        string? config = null;
        var (help, version) = (false, false);
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h" or "-?":
                    help = true;
                    break;
                case "--version":
                    version = true;
                    break;
                case "--config" when i + 1 < args.Count:
                    config = args[++i];
                    break;
                case "--config":
                    return new AgentArguments(null, false, false, "--config needs a path, for example --config /etc/nodeagent/agent.yaml");
                default:
                    return new AgentArguments(null, false, false, $"unknown argument '{args[i]}'; see nodeagent --help");
            }
        }

        return new AgentArguments(config, help, version, null);
    }
}
