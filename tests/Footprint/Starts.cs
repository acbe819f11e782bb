namespace Footprint;

/// <summary>One start of the agent: exec to READY=1, and the agent's own timeline of it.</summary>
internal sealed record StartSample(double ReadyMs, StartTimes? Timeline);

/// <summary>
/// The NativeAOT agent started again and again, each time in a directory of its own: with an empty journal, and with
/// one crashed apply to recover. One start says little on a shared machine; the median of several says more.
/// </summary>
internal static class Starts
{
    public static async Task<IReadOnlyList<StartSample>> EmptyAsync(string name, string[] command, string work, IReadOnlyDictionary<string, string> environment, int count)
    {
        var samples = new List<StartSample>();
        for (var i = 0; i < count; i++)
        {
            var dir = Path.Combine(work, $"{name}-start-{i}");
            await AgentUnderTest.WriteConfigAsync($"{name}-start-{i}", dir);
            await using var agent = await AgentUnderTest.StartAsync($"{name}-start-{i}", command, dir, environment);
            samples.Add(Sample(agent));
        }

        return samples;
    }

    public static async Task<IReadOnlyList<StartSample>> RecoveringAsync(string[] command, string work, IReadOnlyDictionary<string, string> environment, int count)
    {
        var samples = new List<StartSample>();
        for (var i = 0; i < count; i++)
        {
            await using var agent = await Recovery.StartWithOneToRecoverAsync(command, Path.Combine(work, $"recovery-{i}"), environment);
            samples.Add(Sample(agent));
        }

        return samples;
    }

    private static StartSample Sample(AgentUnderTest agent) => new(agent.ReadyAfter.TotalMilliseconds, agent.Timeline);
}
