using System.Text.Json;

namespace NodeAgent.Tests.Coordinator;

/// <summary><c>rollout --log-format json</c> on real agents: stderr is one JSON object per line, each event with its fields.</summary>
[Trait("Category", "Coordinator")]
public sealed class RolloutLogFormatTests
{
    [Fact]
    public async Task Rollout_LogFormatJson_EveryStderrLineAnEventWithRolloutNodeComponentAndOperation()
    {
        await using var fleet = await FleetFixture.StartAsync(nodes: 3, controlPlane: 1);
        var plan = fleet.WritePlan(new PlanOptions { BatchSize = "2" });
        await fleet.CoordinatorAsync("stage", plan);

        var rollout = await fleet.CoordinatorAsync("rollout", plan, "--log-format", "json", "--report-dir", fleet.Reports);

        Assert.True(rollout.ExitCode == 0, rollout.Out + rollout.Err);
        var events = rollout.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        Assert.All(events, e => Assert.Equal("r1", e.GetProperty("RolloutId").GetString()));
        var steps = events.Where(e => e.GetProperty("event").GetString() == "NodeStep").ToList();
        Assert.All(fleet.Nodes, node => Assert.Contains(steps, s => s.GetProperty("Node").GetString() == node.Name));
        Assert.All(steps, s => Assert.StartsWith(
            $"r1:{s.GetProperty("Node").GetString()}:{s.GetProperty("Component").GetString()}:apply:",
            s.GetProperty("OperationId").GetString(),
            StringComparison.Ordinal));
        Assert.Contains(steps, s => s.GetProperty("Step").GetString() == "healthy");
        var succeeded = events.Where(e => e.GetProperty("eventId").GetInt32() == 1012).Select(e => e.GetProperty("Node").GetString()).Order();
        Assert.Equal(fleet.Nodes.Select(n => n.Name).Order(), succeeded);
        var end = events[^1];
        Assert.Equal("RolloutEnded", end.GetProperty("event").GetString());
        Assert.Equal("succeeded", end.GetProperty("State").GetString());
        Assert.Contains("succeeded", rollout.Out, StringComparison.Ordinal);
    }
}
