using System.Text;

namespace SimFleet;

/// <summary>
/// How the simulated services behave, drawn from a seed so that a run can be repeated and the benchmark can compute the
/// ideal critical path from the very timings the fleet used. <see cref="Scale"/> 0 makes every service healthy at once
/// (pure orchestration cost); 1 is the realistic profile.
/// </summary>
internal sealed record SimTimings(int Seed, double Scale, double FailFraction, double DieFraction)
{
    /// <summary>How long after a restart the component first answers its healthz: kubelet 2-5 s, kube-proxy 1-2 s, others 1-3 s.</summary>
    public TimeSpan RestartToHealthy(string node, string component, int restart)
    {
        var (low, spread) = component switch
        {
            "kubelet" => (2.0, 3.0),
            "kube-proxy" => (1.0, 1.0),
            _ => (1.0, 2.0),
        };
        return TimeSpan.FromSeconds(Scale * (low + (spread * Uniform(node, component, restart, "healthy"))));
    }

    /// <summary>The upgrade restart (the first) of this node's kubelet never becomes healthy; a rollback restart does.</summary>
    public bool Fails(string node, string component, int restart) =>
        restart == 1 && component == "kubelet" && Uniform(node, component, restart, "fails") < FailFraction;

    /// <summary>When a restarted component dies after first answering healthy (within a stability window), or null.</summary>
    public TimeSpan? DiesAfterHealthy(string node, string component, int restart) =>
        restart == 1 && Uniform(node, component, restart, "dies") < DieFraction
            ? TimeSpan.FromSeconds(1 + (4 * Uniform(node, component, restart, "dies-after")))
            : null;

    /// <summary>A stable uniform draw in [0, 1) (FNV-1a of the seed and the names; string.GetHashCode is randomized per process).</summary>
    private double Uniform(string node, string component, int restart, string what)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes($"{Seed}/{node}/{component}/{restart}/{what}"))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return (hash >> 11) / (double)(1UL << 53);
    }
}
