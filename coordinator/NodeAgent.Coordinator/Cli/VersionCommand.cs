using System.CommandLine;
using System.Reflection;
using System.Text.Json.Nodes;
using NodeAgent.CommandLine;

namespace NodeAgent.Coordinator.Cli;

/// <summary><c>nodeagent-coordinator version [--plan PLAN]</c>: its own version, and each agent's when a plan names them.</summary>
internal static class VersionCommand
{
    public static string Own => typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    public static Command Build(CliOptions options)
    {
        var planOption = new Option<string?>("--plan") { Description = "Also ask every agent of this plan for its version" };
        var command = new Command("version", "The coordinator's version, and with --plan every agent's.\n\nExample:\n  nodeagent-coordinator version --plan plan.yaml") { planOption };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var agents = new JsonObject();
            if (parse.GetValue(planOption) is { Length: > 0 })
            {
                var plan = CliOptions.LoadPlan(parse.GetValue(planOption)!);
                using var pool = new Agents.AgentClientPool(plan.Policy.Retries, plan.Tls);
                var calls = new Agents.GrpcAgentClient(pool, plan.Policy, TimeProvider.System);
                foreach (var node in plan.Inventory)
                {
                    var info = await calls.InfoAsync(node, probe: false, cancellationToken);
                    agents[node.Name] = info.Ok ? info.Value!.AgentVersion : $"unreachable: {info.Error}";
                }
            }

            var output = parse.InvocationConfiguration.Output;
            if (options.Machine(parse))
            {
                ResultWriter.Write(output, options.Format(parse), new JsonObject { ["coordinator"] = Own, ["agents"] = agents });
                return ExitCodes.Ok;
            }

            output.WriteLine($"nodeagent-coordinator {Own}");
            foreach (var (node, version) in agents)
            {
                output.WriteLine($"  agent on {node}: {version}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
