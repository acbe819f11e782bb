using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;

namespace NodeAgent.Distribution;

/// <summary>The origin: a ranged HTTP(S) GET of the blob's URL.</summary>
internal sealed class OriginSource(HttpClient client, string url) : IBlobSource
{
    private const int PieceSize = 256 * 1024;

    public string Label => url;

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(long offset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new FetchSourceException($"the origin answered {(int)response.StatusCode} {response.ReasonPhrase}", lied: false);
        }

        // A server that ignores Range sends the whole blob: skip what is already verified.
        var skip = offset > 0 && response.StatusCode != HttpStatusCode.PartialContent ? offset : 0;
        if (offset > 0 && skip == 0 && response.Content.Headers.ContentRange?.From != offset)
        {
            throw new FetchSourceException($"the origin answered a range that does not start at {offset}", lied: false);
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[PieceSize];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var piece = buffer.AsMemory(0, read);
            if (skip > 0)
            {
                var dropped = (int)Math.Min(skip, read);
                skip -= dropped;
                piece = piece[dropped..];
            }

            if (piece.Length > 0)
            {
                yield return piece;
            }
        }
    }
}
