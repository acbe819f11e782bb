using System.Globalization;

namespace Benchmarks;

/// <summary>The flags of <c>nodeagent-bench rollout</c>.</summary>
internal sealed record BenchOptions(
    int Nodes,
    double ServiceTime,
    int Seed,
    double FailFraction,
    int AnsibleNodes,
    double CanaryPercent,
    int BatchPercent,
    TimeSpan Soak,
    int PerProcess,
    int FanoutConcurrency)
{
    public const string Usage =
        "usage: nodeagent-bench rollout [--nodes N] [--service-time X] [--seed S] [--fail-fraction F] [--ansible-nodes A] " +
        "[--canary-percent P] [--batch-percent P] [--soak SECONDS] [--per-process N] [--fanout-concurrency C]";

    public static BenchOptions Parse(string[] args)
    {
        var known = new[] { "--nodes", "--service-time", "--seed", "--fail-fraction", "--ansible-nodes", "--canary-percent", "--batch-percent", "--soak", "--per-process", "--fanout-concurrency" };
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!known.Contains(args[i]) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"unknown option or missing value: {args[i]}\n{Usage}");
            }
        }

        double Number(string name, double fallback) =>
            Array.IndexOf(args, name) is var i and >= 0 ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

        var nodes = (int)Number("--nodes", 1000);
        return new BenchOptions(
            nodes,
            Number("--service-time", 1),
            (int)Number("--seed", 1),
            Number("--fail-fraction", 0),
            (int)Number("--ansible-nodes", 50),
            Number("--canary-percent", 1),
            (int)Number("--batch-percent", 10),
            TimeSpan.FromSeconds(Number("--soak", 30)),
            (int)Number("--per-process", 1250),
            (int)Number("--fanout-concurrency", 200));
    }
}
