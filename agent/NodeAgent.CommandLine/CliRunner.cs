using System.CommandLine;

namespace NodeAgent.CommandLine;

/// <summary>The exit codes a CLI gives to the two failures every CLI has.</summary>
internal sealed record CliExitCodes(int Usage, int Cancelled, int Internal);

/// <summary>
/// Parses and runs a command tree with one error path: a usage error is one line and a hint (a suggestion for a
/// typo, or the subcommand's help to read); a <see cref="CliFailure"/> is one line with its exit code; anything
/// else is a bug, reported as one line without a stack trace. With <c>-o json</c> each is a JSON object on stderr.
/// </summary>
internal static class CliRunner
{
    /// <summary>
    /// Runs the command line. <paramref name="domainFailure"/> turns the program's own failure type into its exit code
    /// and line (null for any other exception, which is then a bug).
    /// </summary>
    public static async Task<int> RunAsync(RootCommand root, string program, CliExitCodes codes, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken, Func<Exception, CliFailure?>? domainFailure = null)
    {
        var json = OutputFormats.WantsJson(args);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // An unknown word explains a missing command or argument better than the complaint about the latter.
            var unknown = Suggestions.Unknown(parse);
            var missing = parse.CommandResult.Command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0 && parse.GetResult(a) is null or { Tokens.Count: 0 }).Select(a => $"<{a.Name}>").ToList();
            var message = unknown.Count > 0 ? $"unknown {(unknown[0].StartsWith('-') ? "flag" : "command or argument")} '{unknown[0]}'"
                : missing.Count > 0 ? $"'{Suggestions.PathOf(parse.CommandResult, program)}' needs {string.Join(" and ", missing)}"
                : string.Join("; ", parse.Errors.Select(e => e.Message.TrimEnd('.')));
            ErrorWriter.Write(error, program, json, new CliFailure(message, codes.Usage, Suggestions.Hint(parse, program)));
            return codes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (CliFailure failure)
        {
            ErrorWriter.Write(error, program, json, failure);
            return failure.ExitCode;
        }
        catch (Exception ex) when (domainFailure?.Invoke(ex) is { } failure)
        {
            ErrorWriter.Write(error, program, json, failure);
            return failure.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ErrorWriter.Write(error, program, json, new CliFailure("cancelled", codes.Cancelled));
            return codes.Cancelled;
        }
        catch (Exception ex)
        {
            ErrorWriter.Write(error, program, json, new CliFailure(
                $"internal error: {ex.GetType().Name}: {ex.Message}",
                codes.Internal,
                "this is a bug in the tool; please report it with the command line you ran"));
            return codes.Internal;
        }
    }
}
