using Microsoft.Extensions.DependencyInjection;

namespace NodeAgent.Distribution;

/// <summary>Registers pull staging's services (one hook in AgentApp).</summary>
internal static class DistributionServices
{
    public static IServiceCollection AddDistribution(this IServiceCollection services)
    {
        services.AddSingleton<FetchRegistry>();
        services.AddSingleton<PeerChannels>();
        services.AddSingleton<FetchSources>();
        services.AddSingleton<ArtifactFetcher>();
        services.AddSingleton<BlobServer>();
        return services;
    }
}
