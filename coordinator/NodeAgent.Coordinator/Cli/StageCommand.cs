using System.CommandLine;
using NodeAgent.Coordinator.Agents;
using NodeAgent.Coordinator.Engine;

namespace NodeAgent.Coordinator.Cli;

/// <summary><c>nodeagent-coordinator stage PLAN</c>: pre-distributes the artifacts; running it again resumes.</summary>
internal static class StageCommand
{
    public static Command Build(CliOptions options)
    {
        var planArgument = CliOptions.PlanArgument();
        var command = new Command("stage", "Copy the plan's artifacts to every node's agent (bounded concurrency; already staged = nothing sent)") { planArgument };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var plan = CliOptions.LoadPlan(parse, planArgument);
            if (plan is null)
            {
                return ExitCodes.InvalidPlan;
            }

            using var pool = new AgentClientPool(plan.Policy.Retries, plan.Tls);
            return await RunAsync(new ArtifactDistributor(plan, new AgentCalls(pool, plan.Policy, TimeProvider.System)), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(ArtifactDistributor distributor, TextWriter output, TextWriter error, CancellationToken cancellationToken)
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

        var outcomes = await distributor.StageAllAsync(o => output.WriteLine($"{o.Node}: {o.Detail}"), cancellationToken);
        await output.WriteLineAsync($"staged on {outcomes.Count(o => o.Ok)} of {outcomes.Count} node(s); {outcomes.Sum(o => o.BytesSent)} bytes sent");
        return outcomes.All(o => o.Ok) ? ExitCodes.Ok : ExitCodes.NodesFailed;
    }
}
