using System.Text.Json;
using NodeAgent.Coordinator.Composition;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Tests.Engine;

/// <summary>The rollout's structured log (what <c>rollout --log-format json</c> writes), on the fake client.</summary>
[Trait("Category", "EngineRules")]
public sealed class RolloutLogTests
{
    [Fact]
    public async Task RunAsync_JsonLog_EveryLineOneEventWithItsIdAndRolloutId()
    {
        using var h = new EngineHarness(1, 3);
        using var error = new StringWriter();
        h.Log = RolloutComposition.Log(h.Plan.Rollout, error, h.Time);

        await h.RunAsync();

        var events = Parse(error);
        Assert.NotEmpty(events);
        Assert.All(events, e =>
        {
            Assert.Equal("r1", e.GetProperty("RolloutId").GetString());
            Assert.InRange(e.GetProperty("eventId").GetInt32(), 1001, 1099);
            Assert.NotEmpty(e.GetProperty("event").GetString()!);
            Assert.NotEmpty(e.GetProperty("message").GetString()!);
            Assert.Equal("NodeAgent.Coordinator.Rollout", e.GetProperty("category").GetString());
        });
    }

    [Fact]
    public async Task RunAsync_JsonLog_PhasesInOrderEachNodeWithFieldsThenTheEnd()
    {
        using var h = new EngineHarness(1, 3);
        using var error = new StringWriter();
        h.Log = RolloutComposition.Log(h.Plan.Rollout, error, h.Time);

        await h.RunAsync();

        var events = Parse(error);
        Assert.Equal(
            [Phases.Preflight, Phases.Backup, Phases.Canary, Phases.ControlPlane, Phases.Workers, Phases.Verify],
            Named(events, "PhaseStarted").Select(e => e.GetProperty("Phase").GetString()));
        var succeeded = Named(events, "NodeSucceeded");
        Assert.Equal(h.Plan.Inventory.Select(n => n.Name).Order(), succeeded.Select(e => e.GetProperty("Node").GetString()).Order());
        Assert.All(succeeded, e => Assert.Equal(JsonValueKind.Number, e.GetProperty("Seconds").ValueKind));
        var steps = Named(events, "NodeStep");
        Assert.Equal(h.Agents.Of("apply").Select(a => a.OperationId).Order(), steps.Select(e => e.GetProperty("OperationId").GetString()).Order());
        Assert.All(steps, e => Assert.StartsWith("r1:" + e.GetProperty("Node").GetString() + ":" + e.GetProperty("Component").GetString(), e.GetProperty("OperationId").GetString(), StringComparison.Ordinal));
        var started = Named(events, "NodeStarting").Single(e => e.GetProperty("Node").GetString() == "cp-1");
        Assert.Equal(["kube-apiserver", "kubelet"], started.GetProperty("Components").EnumerateArray().Select(c => c.GetString()));
        var end = events[^1];
        Assert.Equal("RolloutEnded", end.GetProperty("event").GetString());
        Assert.Equal(RolloutStates.Succeeded, end.GetProperty("State").GetString());
    }

    [Fact]
    public async Task RunAsync_JsonLogNodeFails_FailedEventAtErrorLevelAndTheEndSaysFailed()
    {
        using var h = new EngineHarness(1, 3);
        h.Agents["w-2"].FailApply.Add("kubelet");
        using var error = new StringWriter();
        h.Log = RolloutComposition.Log(h.Plan.Rollout, error, h.Time);

        await h.RunAsync();

        var events = Parse(error);
        var failed = Assert.Single(Named(events, "NodeFailed"));
        Assert.Equal("w-2", failed.GetProperty("Node").GetString());
        Assert.Equal("Error", failed.GetProperty("level").GetString());
        Assert.Equal(RolloutStates.Failed, Named(events, "RolloutEnded").Single().GetProperty("State").GetString());
    }

    private static List<JsonElement> Parse(StringWriter error) =>
        error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();

    private static List<JsonElement> Named(List<JsonElement> events, string name) =>
        events.Where(e => e.GetProperty("event").GetString() == name).ToList();
}
