using System.Security.Cryptography;
using NodeAgent.Client.Concurrency;

namespace NodeAgent.Coordinator.Plans;

/// <summary>
/// Hashes every artifact whose source is a file, in parallel, and compares the digest with the plan's: a wrong file
/// is found before the window, not by the first agent that refuses it. URL sources are left to the agents, which
/// store nothing whose digest does not match.
/// </summary>
internal static class SourceDigests
{
    /// <summary>One line per artifact whose file does not hash to its declared sha256, naming the plan's line and key.</summary>
    public static async Task<IReadOnlyList<string>> CheckAsync(Plan plan, CancellationToken cancellationToken)
    {
        var files = plan.Artifacts.Where(a => !a.FromUrl).ToList();
        var problems = await FanOut.RunAsync(files, Environment.ProcessorCount, async (artifact, ct) =>
        {
            string? problem;
            try
            {
                await using var stream = new FileStream(artifact.Source, FileMode.Open, FileAccess.Read, FileShare.Read, 1024 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
                var digest = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
                problem = digest == artifact.Sha256 ? null : $"{artifact.Where}.sha256: {artifact.Source} hashes to {digest}, not the declared {artifact.Sha256}";
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problem = $"{artifact.Where}.source: {artifact.Source} cannot be read: {ex.Message}";
            }

            return problem;
        }, cancellationToken);
        return problems.OfType<string>().Order(StringComparer.Ordinal).ToList();
    }
}
