using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace NodeAgent.Coordinator.Plans;

/// <summary>
/// Typed reads over a YAML tree that collect every problem with its line, column and dotted key instead of
/// stopping at the first one.
/// </summary>
internal sealed partial class YamlCursor(string file)
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public void Error(YamlNode? node, string key, string problem)
    {
        var line = node is null ? 1 : node.Start.Line;
        var column = node is null ? 1 : node.Start.Column;
        // Keys and values come from the file: escape control characters wherever they appear, keys included.
        _errors.Add(Escape($"{file}:{line}:{column}: {key}: {problem}"));
    }

    /// <summary>The mapping at <paramref name="key"/>, reporting keys that are not in <paramref name="allowed"/>.</summary>
    public YamlMappingNode? Mapping(YamlNode? node, string key, bool required, params string[] allowed)
    {
        if (node is null)
        {
            if (required)
            {
                Error(null, key, "is required");
            }

            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            Error(node, key, "must be a mapping (key: value lines)");
            return null;
        }

        foreach (var entry in mapping.Children.Keys)
        {
            if (entry is not YamlScalarNode { Value: { } name })
            {
                Error(entry, key, "keys must be plain names");
                continue;
            }

            if (allowed.Length > 0 && !allowed.Contains(name))
            {
                Error(entry, Join(key, name), $"unknown key; expected one of {string.Join(", ", allowed)}");
            }
        }

        return mapping;
    }

    public IReadOnlyList<YamlNode> Sequence(YamlNode? node, string key, bool required)
    {
        switch (node)
        {
            case null when required:
                Error(null, key, "is required");
                return [];
            case null:
                return [];
            case YamlSequenceNode sequence:
                return sequence.Children.ToList();
            default:
                Error(node, key, "must be a list");
                return [];
        }
    }

    public static YamlNode? Child(YamlMappingNode? mapping, string name) =>
        mapping is not null && mapping.Children.TryGetValue(new YamlScalarNode(name), out var value) ? value : null;

    public string? Text(YamlMappingNode? mapping, string parent, string name, bool required, Regex? pattern = null, string? shape = null)
    {
        var key = Join(parent, name);
        var node = Child(mapping, name);
        if (node is null)
        {
            if (required)
            {
                Error(mapping, key, "is required");
            }

            return null;
        }

        if (node is not YamlScalarNode { Value: { } value })
        {
            Error(node, key, "must be a single value");
            return null;
        }

        if (pattern is not null && !pattern.IsMatch(value))
        {
            Error(node, key, $"\"{Shorten(value)}\" is not {shape}");
            return null;
        }

        return value;
    }

    public long? Integer(YamlMappingNode? mapping, string parent, string name, bool required, long min, long max)
    {
        var text = Text(mapping, parent, name, required);
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Error(Child(mapping, name), Join(parent, name), $"\"{Shorten(text)}\" is not a whole number from {min} to {max}");
            return null;
        }

        return value;
    }

    public bool Boolean(YamlMappingNode? mapping, string parent, string name, bool fallback)
    {
        var text = Text(mapping, parent, name, required: false);
        if (text is null)
        {
            return fallback;
        }

        if (text is not ("true" or "false"))
        {
            Error(Child(mapping, name), Join(parent, name), $"\"{Shorten(text)}\" is not true or false");
            return fallback;
        }

        return text == "true";
    }

    /// <summary>"30s", "2m", "500ms", "1h".</summary>
    public TimeSpan Duration(YamlMappingNode? mapping, string parent, string name, TimeSpan fallback, TimeSpan max, TimeSpan? min = null)
    {
        var text = Text(mapping, parent, name, required: false);
        if (text is null)
        {
            return fallback;
        }

        var match = DurationPattern().Match(text);
        if (!match.Success)
        {
            Error(Child(mapping, name), Join(parent, name), $"\"{Shorten(text)}\" is not a duration such as 30s, 2m, 500ms or 1h");
            return fallback;
        }

        var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var value = match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(number),
            "s" => TimeSpan.FromSeconds(number),
            "m" => TimeSpan.FromMinutes(number),
            _ => TimeSpan.FromHours(number),
        };
        if (value > max)
        {
            Error(Child(mapping, name), Join(parent, name), $"{text} is longer than the {max} allowed");
            return fallback;
        }

        if (min is { } least && value < least)
        {
            Error(Child(mapping, name), Join(parent, name), $"{text} is shorter than the {least} allowed");
            return fallback;
        }

        return value;
    }

    /// <summary>A count ("25") or a percentage ("10%").</summary>
    public Amount Amount(YamlMappingNode? mapping, string parent, string name, Amount fallback)
    {
        var text = Text(mapping, parent, name, required: false);
        if (text is null)
        {
            return fallback;
        }

        var match = AmountPattern().Match(text);
        var value = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
        var percent = match.Success && match.Groups[2].Success;
        if (!match.Success || percent && value > 100 || value > 1_000_000)
        {
            Error(Child(mapping, name), Join(parent, name), $"\"{Shorten(text)}\" is not a count such as 25 or a percentage such as 10%");
            return fallback;
        }

        return new Amount(value, percent);
    }

    public static string Join(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    public static string Shorten(string value) => Escape(value.Length > 60 ? value[..60] + "…" : value);

    private static string Escape(string value) => string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)\z")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^([0-9]+)(%)?\z")]
    private static partial Regex AmountPattern();
}
