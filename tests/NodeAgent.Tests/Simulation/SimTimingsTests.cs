using SimFleet;

namespace NodeAgent.Tests.Simulation;

[Trait("Category", "Simulation")]
public sealed class SimTimingsTests
{
    private static readonly string[] Nodes = [.. Enumerable.Range(1, 2000).Select(SimLayout.NodeName)];

    [Fact]
    public void RestartToHealthy_RealisticProfile_KubeletTwoToFiveSecondsKubeProxyOneToTwo()
    {
        var timings = new SimTimings(Seed: 7, Scale: 1, FailFraction: 0, DieFraction: 0);

        var kubelet = Nodes.Select(n => timings.RestartToHealthy(n, "kubelet", 1).TotalSeconds).ToList();
        var proxy = Nodes.Select(n => timings.RestartToHealthy(n, "kube-proxy", 1).TotalSeconds).ToList();

        Assert.All(kubelet, s => Assert.InRange(s, 2, 5));
        Assert.All(proxy, s => Assert.InRange(s, 1, 2));
        Assert.InRange(kubelet.Average(), 3.3, 3.7);
        Assert.InRange(proxy.Average(), 1.4, 1.6);
    }

    [Fact]
    public void RestartToHealthy_SameSeed_SameDrawsInEveryProcess_OtherSeed_Others()
    {
        var one = new SimTimings(1, 1, 0, 0);
        var again = new SimTimings(1, 1, 0, 0);
        var other = new SimTimings(2, 1, 0, 0);

        Assert.Equal(Nodes.Select(n => one.RestartToHealthy(n, "kubelet", 1)), Nodes.Select(n => again.RestartToHealthy(n, "kubelet", 1)));
        Assert.NotEqual(Nodes.Select(n => one.RestartToHealthy(n, "kubelet", 1)), Nodes.Select(n => other.RestartToHealthy(n, "kubelet", 1)));
    }

    [Fact]
    public void RestartToHealthy_ServiceTimeZero_HealthyAtOnce()
    {
        var timings = new SimTimings(1, Scale: 0, 0, 0);

        Assert.All(Nodes, n => Assert.Equal(TimeSpan.Zero, timings.RestartToHealthy(n, "kubelet", 1)));
    }

    [Fact]
    public void Fails_Fraction_OnlyTheUpgradeRestartOfThatShareOfKubelets()
    {
        var timings = new SimTimings(3, 1, FailFraction: 0.1, DieFraction: 0);

        var failing = Nodes.Count(n => timings.Fails(n, "kubelet", 1));

        Assert.InRange(failing, 150, 250);
        Assert.DoesNotContain(Nodes, n => timings.Fails(n, "kubelet", 2) || timings.Fails(n, "kube-proxy", 1));
    }
}
