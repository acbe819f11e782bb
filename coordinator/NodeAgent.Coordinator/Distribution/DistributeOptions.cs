using System.CommandLine;
using NodeAgent.Coordinator.Cli;
using NodeAgent.Coordinator.Engine;

namespace NodeAgent.Coordinator.Distribution;

/// <summary>The options of <c>stage --distribute</c> and how its result is printed.</summary>
internal sealed class DistributeOptions
{
    private readonly Option<bool> _distribute = new("--distribute") { Description = "Agents pull from the origin and from each other (a distribution tree) instead of the coordinator streaming to each" };
    private readonly Option<string?> _originUrl = new("--origin-url") { Description = "Base URL agents fetch local-file artifacts from (base + file name); URL artifacts are fetched at their URL. Agents must list it in Distribution:Origins" };
    private readonly Option<int?> _peersPerHolder = new("--peers-per-holder") { Description = $"Peers one node serves at once (default {DistributionLimits.Default.PeersPerHolder})" };
    private readonly Option<int?> _originStreams = new("--origin-streams") { Description = $"Nodes the origin serves at once (default {DistributionLimits.Default.OriginStreams})" };

    public void AddTo(Command command)
    {
        command.Options.Add(_distribute);
        command.Options.Add(_originUrl);
        command.Options.Add(_peersPerHolder);
        command.Options.Add(_originStreams);
        command.Validators.Add(result =>
        {
            if (result.GetValue(_distribute) && result.GetValue(_originUrl) is not { Length: > 0 })
            {
                result.AddError("--distribute needs --origin-url: the base URL the agents fetch the plan's files from");
            }

            if (result.GetValue(_peersPerHolder) is < 1 or > 64 || result.GetValue(_originStreams) is < 1 or > 64)
            {
                result.AddError("--peers-per-holder and --origin-streams must be from 1 to 64");
            }
        });
    }

    /// <summary>The pull options, or null without --distribute.</summary>
    public PullOptions? Read(ParseResult parse) => parse.GetValue(_distribute)
        ? new PullOptions(parse.GetValue(_originUrl)!, DistributionLimits.Default with
        {
            PeersPerHolder = parse.GetValue(_peersPerHolder) ?? DistributionLimits.Default.PeersPerHolder,
            OriginStreams = parse.GetValue(_originStreams) ?? DistributionLimits.Default.OriginStreams,
        })
        : null;

    public static async Task<int> RunAsync(PullStager stager, TextWriter output, Action<IReadOnlyList<StagingOutcome>>? machine, CancellationToken cancellationToken)
    {
        var (outcomes, summaries) = await stager.StageAllAsync(cancellationToken);
        if (machine is not null)
        {
            machine(outcomes);
        }
        else
        {
            foreach (var outcome in outcomes)
            {
                await output.WriteLineAsync(outcome.Ok ? $"{outcome.Node}: {outcome.Detail}" : $"FAILED {outcome.Node}: {outcome.Detail}");
            }

            foreach (var s in summaries)
            {
                await output.WriteLineAsync($"{s.Artifact}: {s.Size} bytes to {s.Nodes} node(s) in {s.Seconds:F1} s; origin sent {s.OriginBytes} bytes ({s.OriginEgressRatio:F2}x the artifact), peers {s.PeerBytes}; {s.Repicks} re-pick(s); lying sources: {(s.Liars.Count == 0 ? "none" : string.Join(", ", s.Liars))}");
            }
        }

        return outcomes.All(o => o.Ok) ? ExitCodes.Ok : ExitCodes.NodesFailed;
    }
}
