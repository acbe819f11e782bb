using System.CommandLine;
using NodeAgent.Contracts.Text;

namespace NodeAgent.CommandLine;

/// <summary>A flag that takes a duration in the one syntax (<c>90s</c>, <c>5m</c>, <c>1h30m</c>); a bare number is refused with a hint.</summary>
internal static class DurationOption
{
    public static Option<TimeSpan?> Create(string name, string description) => new(name)
    {
        Description = $"{description} (a duration such as {DurationText.Examples})",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (DurationText.TryParse(text, out var value, out var error))
            {
                return value;
            }

            result.AddError($"{name}: {error}");
            return null;
        },
    };
}
