using NodeAgent.Configuration;
using NodeAgent.Operations;
using V1 = NodeAgent.Contracts.V1;

namespace NodeAgent.Distribution;

/// <summary>Turns a FetchArtifact request's sources into readers, refusing any that is not allowed.</summary>
internal sealed class FetchSources(AgentOptions options, PeerChannels peers, IHttpClientFactory http)
{
    public const int MaxSources = 8;

    public IReadOnlyList<IBlobSource> Build(IReadOnlyList<V1.FetchSource> sources, string digest)
    {
        if (sources.Count is 0 or > MaxSources)
        {
            throw AgentException.Invalid("sources", $"give 1 to {MaxSources} sources, not {sources.Count}");
        }

        var built = new List<IBlobSource>();
        for (var i = 0; i < sources.Count; i++)
        {
            var source = sources[i];
            built.Add(source.KindCase switch
            {
                V1.FetchSource.KindOneofCase.Url => Origin(source.Url, i),
                V1.FetchSource.KindOneofCase.Peer => Peer(source, i, digest),
                _ => throw AgentException.Invalid($"sources[{i}]", "set url or peer"),
            });
        }

        return built;
    }

    private OriginSource Origin(string url, int index)
    {
        if (OriginUrls.Check(url, options.Distribution.Origins) is { } problem)
        {
            throw AgentException.Invalid($"sources[{index}].url", problem);
        }

        var client = http.CreateClient("nodeagent-distribution");
        client.Timeout = Timeout.InfiniteTimeSpan;
        return new OriginSource(client, url);
    }

    private PeerSource Peer(V1.FetchSource source, int index, string digest)
    {
        if (PeerChannels.Check(source.Peer) is { } problem)
        {
            throw AgentException.Invalid($"sources[{index}].peer", problem);
        }

        if (source.PeerName.Length > 0 && Uri.CheckHostName(source.PeerName) != UriHostNameType.Dns)
        {
            throw AgentException.Invalid($"sources[{index}].peer_name", "must be a DNS name (the node name the peer's certificate names)");
        }

        var serverName = source.PeerName.Length > 0 ? source.PeerName : NodeAgent.Client.Transport.AgentAddress.Parse(source.Peer).Host!;
        var wait = (int)Math.Min(BlobServer.MaxWaitSeconds, Math.Ceiling(options.Distribution.SourceIdleSeconds));
        return new PeerSource(peers.For(source.Peer, serverName), source.Peer, digest, wait);
    }
}
