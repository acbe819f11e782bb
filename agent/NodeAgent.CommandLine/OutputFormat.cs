using System.CommandLine;

namespace NodeAgent.CommandLine;

/// <summary>kubectl's output set: the human view, a wider human view, JSON and YAML.</summary>
internal enum OutputFormat
{
    Human,
    Wide,
    Json,
    Yaml,
}

/// <summary>The <c>-o</c> option, on the commands that print a result, and its reading before a parse succeeded.</summary>
internal static class OutputFormats
{
    public static Option<OutputFormat> Create() => new("--output", "-o")
    {
        Description = "human (default), wide, json or yaml; json and yaml write only the result to stdout, and errors to stderr as json",
        DefaultValueFactory = _ => OutputFormat.Human,
        CustomParser = result => result.Tokens.Single().Value switch
        {
            "human" => OutputFormat.Human,
            "wide" => OutputFormat.Wide,
            "json" => OutputFormat.Json,
            "yaml" => OutputFormat.Yaml,
            var other => Refuse(result, other),
        },
    };

    /// <summary>
    /// Whether the raw command line asks for JSON (<c>-o json</c>, or <c>--log-format json</c>, whose stderr is JSON
    /// lines), for errors found before the command line could be read.
    /// </summary>
    public static bool WantsJson(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "-ojson" or "--output=json" or "-o=json" or "-o:json" or "--output:json" or "--log-format=json" or "--log-format:json"
                || (args[i] is "-o" or "--output" or "--log-format" && i + 1 < args.Count && args[i + 1] == "json"))
            {
                return true;
            }
        }

        return false;
    }

    private static OutputFormat Refuse(System.CommandLine.Parsing.ArgumentResult result, string value)
    {
        result.AddError($"'{value}' is not an output format: use human, wide, json or yaml");
        return OutputFormat.Human;
    }
}
