using System.CommandLine;
using System.Reflection;
using System.Text.Json.Nodes;
using NodeAgent.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl.Commands;

/// <summary><c>agentctl version</c>: agentctl's own version, and the agent's when one answers.</summary>
internal static class VersionCommand
{
    public static string Own => typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    public static Command Build(ConnectionOptions connection)
    {
        var command = new Command("version", CommandFactory.Describe("agentctl's version and the version of the agent it reaches", "agentctl version --address 10.0.0.7:7443"));
        return command.WithAction(connection, async (context, cancellationToken) =>
        {
            var info = await context.Client.GetInfoAsync(new GetInfoRequest(), cancellationToken: cancellationToken);
            if (context.Machine)
            {
                ResultWriter.Write(context.Out, context.Format, new JsonObject
                {
                    ["agentctl"] = Own,
                    ["agent"] = info.AgentVersion,
                    ["node"] = info.NodeName,
                    ["address"] = context.Address.ToString(),
                });
            }
            else
            {
                context.Out.WriteLine($"agentctl {Own}");
                context.Out.WriteLine($"agent    {info.AgentVersion} on node {info.NodeName} ({context.Address})");
            }

            return ExitCodes.Ok;
        });
    }
}
