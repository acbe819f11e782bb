using NodeAgent.Contracts.V1;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal.Etcd;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;

namespace NodeAgent.Tests.Engine;

/// <summary>
/// The controllers hook across leader changes: a leader replaced at any step (its run ends with a lost leadership,
/// undoing nothing) and a new leader that runs the rollout on. Each controller is stopped once for the window and
/// started once at its end; a stop is sent again only when an apply started the controller in between.
/// </summary>
[Trait("Category", "EngineRules")]
public sealed class EngineControllersTests
{
    private static readonly string[] Controllers = ["kube-controller-manager", "kube-scheduler"];

    [Theory]
    [InlineData("before-window")]
    [InlineData("after-control-plane-node")]
    [InlineData("after-nodes")]
    public async Task RunAsync_LeaderReplacedAtAStep_EachControllerStoppedOnceAndStartedOnce(string replacedAt)
    {
        using var h = Harness(controllersUpgraded: false);
        var controllers = NewControllersHook(h);
        var replaced = new ReplacedLeaderHook(replacedAt);

        // The replacement is found right after the controllers hook did its step (after-nodes runs the hooks in reverse).
        h.Hooks.AddRange(replacedAt == "after-nodes" ? [replaced, controllers] : [controllers, replaced]);
        await Assert.ThrowsAsync<LeadershipLostException>(h.RunAsync);
        h.Hooks.Clear();
        h.Hooks.Add(NewControllersHook(h));

        var result = await h.RunAsync();

        Assert.True(result.Succeeded, result.Rollout.Message);
        foreach (var controller in Controllers)
        {
            Assert.Equal(["stop", "start"], Sent(h, controller));
        }
    }

    [Fact]
    public async Task RunAsync_ControllerUpgradedOnTheControlPlane_StoppedAgainAfterItsApplyAndStartedOnce()
    {
        using var h = Harness(controllersUpgraded: true);
        h.Hooks.Add(NewControllersHook(h));

        var result = await h.RunAsync();

        Assert.True(result.Succeeded, result.Rollout.Message);
        Assert.Equal(["stop", "apply", "stop", "start"], Sent(h, "kube-controller-manager"));
        Assert.Equal(["stop", "start"], Sent(h, "kube-scheduler"));
    }

    [Fact]
    public async Task RunAsync_ReplacedLeadersStartStillRunning_FollowedNotSentAgain()
    {
        using var h = Harness(controllersUpgraded: false);
        h.Hooks.Add(NewControllersHook(h));
        h.Agents.StartsOutliveTheirCaller = true;
        await Assert.ThrowsAsync<LeadershipLostException>(h.RunAsync);
        h.Agents.StartsOutliveTheirCaller = false;
        h.Hooks.Clear();
        h.Hooks.Add(NewControllersHook(h));

        var result = await h.RunAsync();

        Assert.True(result.Succeeded, result.Rollout.Message);
        foreach (var controller in Controllers)
        {
            Assert.Equal(["stop", "start"], Sent(h, controller));
        }

        // The first controller's start outlived its leader and was followed; the second was never sent before, so it is now.
        var followed = Assert.Single(h.Agents.Of("follow"));
        Assert.Equal("r1:cp-1:kube-controller-manager:start:1", followed.OperationId);
    }

    private static EngineHarness Harness(bool controllersUpgraded)
    {
        var h = new EngineHarness(1, 3);
        string[] components = ["kube-apiserver", "kubelet", .. Controllers];
        h.Agents.Add("cp-1", components, EngineHarness.From);
        if (controllersUpgraded)
        {
            var artifact = new PlanArtifact("kube-controller-manager", new string('c', 64), 1024, "/srv/kube-controller-manager");
            var component = new PlanComponent("kube-controller-manager", new Dictionary<string, string> { ["binary"] = "kube-controller-manager" }, Marker: false);
            h.Plan = h.Plan with
            {
                Artifacts = [.. h.Plan.Artifacts, artifact],
                Components = new Dictionary<string, IReadOnlyList<PlanComponent>>(h.Plan.Components) { [Roles.ControlPlane] = [.. h.Plan.Components[Roles.ControlPlane], component] },
            };
        }

        return h;
    }

    private static ControllersHook NewControllersHook(EngineHarness h) =>
        new(h.Plan, h.Agents, h.Journal, new RolloutProgress(h.Time, h.Plan.Inventory.Count), h.Journal.NextClaimOwner(h.Plan.Rollout, "controllers test"));

    /// <summary>What reached cp-1 for one controller, in order: stops, starts and applies (the lookups are left out).</summary>
    private static List<string> Sent(EngineHarness h, string component) =>
        h.Agents.Calls.Where(c => c.Node == "cp-1" && c.Component == component && c.Kind is "stop" or "start" or "apply").Select(c => c.Kind).ToList();

    /// <summary>A hook that finds, at one step, that its leader was replaced (as a fenced journal write would).</summary>
    private sealed class ReplacedLeaderHook(string at) : IRolloutHook
    {
        public string Name => "leadership";

        public Task BeforeWindowAsync(CancellationToken cancellationToken) => Step("before-window");

        public Task AfterControlPlaneNodeAsync(CancellationToken cancellationToken) => Step("after-control-plane-node");

        public Task AfterNodesAsync(CancellationToken cancellationToken) => Step("after-nodes");

        public Task OnStopAsync(IReadOnlySet<string> claimed, CancellationToken cancellationToken) => Task.CompletedTask;

        private Task Step(string step) => step == at ? Task.FromException(new LeadershipLostException($"replaced at {step}")) : Task.CompletedTask;
    }
}
