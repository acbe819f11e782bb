using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.CommandLine;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Engine;

namespace NodeAgent.Coordinator.Cli;

/// <summary><c>nodeagent-coordinator stage PLAN</c>: pre-distributes the artifacts; running it again resumes.</summary>
internal static class StageCommand
{
    public static Command Build(CliOptions options)
    {
        var planArgument = CliOptions.PlanArgument();
        var command = new Command("stage", "Copy the plan's artifacts to every node's agent (bounded concurrency; already staged = nothing sent).\n\nExample:\n  nodeagent-coordinator stage plan.yaml -o json") { planArgument };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var plan = CliOptions.LoadPlan(parse, planArgument);
            using var pool = new AgentClientPool(plan.Policy.Retries, plan.Tls);
            var distributor = new ArtifactDistributor(plan, new GrpcAgentClient(pool, plan.Policy, TimeProvider.System));
            if (!options.Machine(parse))
            {
                return await RunAsync(distributor, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
            }

            return await RunAsync(distributor, TextWriter.Null, parse.InvocationConfiguration.Error, cancellationToken, outcomes =>
                ResultWriter.Write(parse.InvocationConfiguration.Output, options.Format(parse), JsonSerializer.SerializeToNode(outcomes.ToList(), StagingJsonContext.Default.ListStagingOutcome)));
        });
        return command;
    }

    public static async Task<int> RunAsync(ArtifactDistributor distributor, TextWriter output, TextWriter error, CancellationToken cancellationToken, Action<IReadOnlyList<StagingOutcome>>? result = null)
    {
        var missing = distributor.MissingSources();
        foreach (var artifact in missing)
        {
            await error.WriteLineAsync($"artifact {artifact.Name}: source {artifact.Source} does not exist");
        }

        if (missing.Count > 0)
        {
            return ExitCodes.InvalidPlan;
        }

        var outcomes = await distributor.StageAllAsync(o => output.WriteLine(o.Ok ? $"{o.Node}: {o.Detail}" : $"FAILED {o.Detail}"), cancellationToken);
        result?.Invoke(outcomes);
        await output.WriteLineAsync($"staged on {outcomes.Count(o => o.Ok)} of {outcomes.Count} node(s); {outcomes.Sum(o => o.BytesSent)} bytes sent");
        return outcomes.All(o => o.Ok) ? ExitCodes.Ok : ExitCodes.NodesFailed;
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<StagingOutcome>))]
internal sealed partial class StagingJsonContext : JsonSerializerContext;
