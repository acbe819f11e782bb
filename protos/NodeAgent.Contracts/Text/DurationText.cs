using System.Globalization;
using System.Text;

namespace NodeAgent.Contracts.Text;

/// <summary>
/// The one duration syntax of every command-line flag and plan key: a number and a unit, repeated
/// (<c>500ms</c>, <c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>1.5h</c>). A bare number is refused, because a reader cannot
/// tell seconds from minutes.
/// </summary>
public static class DurationText
{
    /// <summary>What the error messages show as examples.</summary>
    public const string Examples = "90s, 5m or 1h30m";

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what to write instead.</summary>
    public static bool TryParse(string text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = "";
        if (text.Length == 0 || text.Length > 32)
        {
            error = $"\"{Shorten(text)}\" is not a duration such as {Examples}";
            return false;
        }

        if (text.All(IsDigit))
        {
            error = $"\"{text}\" has no unit: write {text}s for seconds or {text}m for minutes (durations look like {Examples})";
            return false;
        }

        var position = 0;
        while (position < text.Length)
        {
            var start = position;
            while (position < text.Length && (IsDigit(text[position]) || text[position] == '.'))
            {
                position++;
            }

            var unitStart = position;
            while (position < text.Length && text[position] is >= 'a' and <= 'z')
            {
                position++;
            }

            if (!double.TryParse(text.AsSpan(start, unitStart - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
                || number > 1_000_000
                || !TryUnit(text[unitStart..position], out var unit))
            {
                error = $"\"{Shorten(text)}\" is not a duration such as {Examples} (units: ms, s, m, h)";
                return false;
            }

            value += unit * number;
        }

        return true;
    }

    /// <summary>The shortest text that <see cref="TryParse"/> reads back as <paramref name="value"/> (to the millisecond).</summary>
    public static string Format(TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            return "0s";
        }

        var text = new StringBuilder();
        Append(text, (long)value.TotalHours, "h");
        Append(text, value.Minutes, "m");
        Append(text, value.Seconds, "s");
        Append(text, value.Milliseconds, "ms");
        return text.ToString();
    }

    private static void Append(StringBuilder text, long amount, string unit)
    {
        if (amount > 0)
        {
            text.Append(amount.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }

    private static bool TryUnit(string unit, out TimeSpan value)
    {
        value = unit switch
        {
            "ms" => TimeSpan.FromMilliseconds(1),
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            _ => TimeSpan.Zero,
        };
        return value > TimeSpan.Zero;
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    private static string Shorten(string text) => text.Length > 32 ? text[..32] + "…" : text;
}
