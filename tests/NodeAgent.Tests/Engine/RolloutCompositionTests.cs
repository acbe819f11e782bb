using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Composition;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;

namespace NodeAgent.Tests.Engine;

/// <summary>The composition root: which cluster hooks a plan gets, and in which order (every EngineRules test builds its engine through it).</summary>
[Trait("Category", "EngineRules")]
public sealed class RolloutCompositionTests
{
    private static readonly AlertSilencePlan Silence = new(new Uri("http://127.0.0.1:9093"), [new PlanSilenceMatcher("severity", "page", false, true)], TimeSpan.FromHours(1), "test", "rollout");

    [Fact]
    public void Hooks_SilenceAndClusterSection_SilenceFirstThenControllers()
    {
        using var h = new EngineHarness(1, 1);
        h.Plan = h.Plan with { ClusterSection = ClusterPlan.None with { Silence = Silence } };

        using var hooks = Compose(h);

        Assert.Equal(["silence", "controllers"], hooks.All.Select(k => k.Name));
        Assert.IsType<SilenceHook>(hooks.All[0]);
        Assert.IsType<ControllersHook>(hooks.All[1]);
    }

    [Fact]
    public void Hooks_NoClusterSection_None()
    {
        using var h = new EngineHarness(1, 1);

        using var hooks = Compose(h);

        Assert.Empty(hooks.All);
    }

    [Fact]
    public void Hooks_PhasesWithoutSilenceAndControllers_None()
    {
        using var h = new EngineHarness(1, 1, p => p with { Phases = Phases.All.Except([Phases.Silence, Phases.Controllers]).ToList() });
        h.Plan = h.Plan with { ClusterSection = ClusterPlan.None with { Silence = Silence } };

        using var hooks = Compose(h);

        Assert.Empty(hooks.All);
    }

    private static ClusterHooks Compose(EngineHarness h)
    {
        using var http = new HttpClient();
        return RolloutComposition.Hooks(h.Plan, h.Agents, h.Journal, new RolloutProgress(h.Time, 0), h.Journal.NextClaimOwner(h.Plan.Rollout, "composition test"), http, h.Time);
    }
}
