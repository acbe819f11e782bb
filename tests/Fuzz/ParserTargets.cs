using NodeAgent.Configuration;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Fuzz;

/// <summary>
/// The parsers that read files an operator writes: the rollout plan (<c>plan</c>) and the agent's configuration
/// (<c>config</c>). Each document must either load or be refused with the parser's own error, every line of which is
/// clear: not empty, at most 2,000 characters, no control characters. Anything else (another exception, an empty or
/// garbled error) is a finding.
/// </summary>
internal static class ParserTargets
{
    private const int MaxErrorLength = 2000;

    public static IReadOnlyList<string> Names { get; } = ["plan", "config"];

    /// <summary>Loads <paramref name="document"/> as the target's file in <paramref name="scratch"/>; null when it loads or is refused cleanly, else the finding.</summary>
    public static string? Problem(string target, ReadOnlySpan<byte> document, string scratch)
    {
        var (file, load, errorsOf) = target switch
        {
            "plan" => ("plan.yaml", (Action<string>)(path => PlanLoader.Load(path)), (Func<Exception, IReadOnlyList<string>?>)(ex => ex is PlanException plan ? plan.Errors : null)),
            "config" => ("agent.yaml", path => AgentConfigLoader.Load(path), ex => ex is AgentConfigException config ? config.Message.Split('\n') : null),
            _ => throw new ArgumentException($"unknown fuzz target \"{target}\"; the targets are {string.Join(", ", Names)}", nameof(target)),
        };
        var path = Path.Combine(scratch, file);
        File.WriteAllBytes(path, document.ToArray());
        try
        {
            load(path);
            return null;
        }
        catch (Exception ex) when (errorsOf(ex) is { } errors)
        {
            var unclear = errors.Count == 0 ? "" : errors.FirstOrDefault(e => e.Length is 0 or > MaxErrorLength || e.Any(c => char.IsControl(c) && c is not '\n' and not '\r'));
            return unclear is null ? null : $"{file}: unclear error \"{unclear}\"";
        }
        catch (Exception ex)
        {
            return $"{file}: {ex.GetType().Name} {ex.Message}";
        }
    }
}
