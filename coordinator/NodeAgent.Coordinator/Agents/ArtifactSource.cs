using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Agents;

/// <summary>An artifact's bytes, from its file or streamed from its URL (never buffered whole in memory).</summary>
internal static class ArtifactSource
{
    private static readonly HttpClient Downloads = new() { Timeout = Timeout.InfiniteTimeSpan };

    public static async Task<Stream> OpenAsync(PlanArtifact artifact, CancellationToken cancellationToken)
    {
        if (!artifact.FromUrl)
        {
            return File.OpenRead(artifact.Source);
        }

        var response = await Downloads.GetAsync(new Uri(artifact.Source), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new IOException($"{artifact.Source} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }
}
