using System.Text.Json.Nodes;

namespace NodeAgent.CommandLine;

/// <summary>
/// The one way a CLI reports a failure on stderr: <c>program: message</c>, then <c>hint: …</c> when there is one;
/// with <c>-o json</c> one JSON object with the same fields (<c>error</c>, <c>code</c>, <c>hint</c>, <c>problems</c>).
/// </summary>
internal static class ErrorWriter
{
    public static void Write(TextWriter error, string program, bool json, CliFailure failure)
    {
        if (json)
        {
            var body = new JsonObject
            {
                ["error"] = failure.Message,
                ["code"] = failure.ExitCode,
                ["hint"] = failure.Hint,
            };
            if (failure.Problems.Count > 0)
            {
                body["problems"] = new JsonArray(failure.Problems.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray());
            }

            error.WriteLine(body.ToJsonString(Json.Compact));
            return;
        }

        foreach (var problem in failure.Problems)
        {
            error.WriteLine(problem);
        }

        error.WriteLine($"{program}: {OneLine(failure.Message)}");
        if (failure.Hint is { Length: > 0 } hint)
        {
            error.WriteLine($"hint: {OneLine(hint)}");
        }
    }

    /// <summary>Messages from callers, files and certificates may hold line breaks: one line stays one line.</summary>
    public static string OneLine(string text) => string.Concat(text.Select(c => char.IsControl(c) ? (c is '\n' or '\r' or '\t' ? " " : $"\\u{(int)c:x4}") : c.ToString()));
}
