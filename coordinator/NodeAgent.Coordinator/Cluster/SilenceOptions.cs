using System.Text.RegularExpressions;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// The silence a rollout holds in Alertmanager while it works: whom to ask, what to match and for how long at a
/// time (the rollout extends it while it runs, so a dead coordinator's silence runs out by itself).
/// </summary>
internal sealed partial record SilenceOptions(Uri Url, IReadOnlyList<SilenceMatcher> Matchers, TimeSpan Duration, string CreatedBy, string Comment)
{
    public static readonly TimeSpan MinDuration = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(7);

    /// <summary>Every problem with <paramref name="options"/>, each naming its field; none means usable.</summary>
    public static IReadOnlyList<string> Validate(SilenceOptions options)
    {
        var problems = new List<string>();
        if (!options.Url.IsAbsoluteUri || options.Url.Scheme is not ("http" or "https"))
        {
            problems.Add($"url: \"{options.Url}\" is not an absolute http or https URL");
        }

        if (options.Matchers.Count == 0)
        {
            problems.Add("matchers: at least one matcher is required, or the silence would match every alert");
        }

        for (var i = 0; i < options.Matchers.Count; i++)
        {
            if (!LabelName().IsMatch(options.Matchers[i].Name))
            {
                problems.Add($"matchers[{i}].name: \"{options.Matchers[i].Name}\" is not a label name (a letter or '_', then letters, digits or '_')");
            }
        }

        if (options.Duration < MinDuration || options.Duration > MaxDuration)
        {
            problems.Add($"duration: {options.Duration} is outside {MinDuration} to {MaxDuration}");
        }

        if (string.IsNullOrWhiteSpace(options.CreatedBy))
        {
            problems.Add("createdBy: is required (Alertmanager refuses a silence without it)");
        }

        if (string.IsNullOrWhiteSpace(options.Comment))
        {
            problems.Add("comment: is required (Alertmanager refuses a silence without it)");
        }

        return problems;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*\\z")]
    private static partial Regex LabelName();
}
