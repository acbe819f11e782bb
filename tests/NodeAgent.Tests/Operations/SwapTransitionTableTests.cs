using NodeAgent.Operations;

namespace NodeAgent.Tests.Operations;

/// <summary>The swap's transition table covers every non-terminal step with a handler and a finite deadline.</summary>
[Trait("Category", "AgentCore")]
public sealed class SwapTransitionTableTests
{
    public static TheoryData<string> NonTerminalSteps => new(Enum.GetValues<OpStep>().Where(s => s != OpStep.Done).Select(s => s.ToString()));

    [Theory]
    [MemberData(nameof(NonTerminalSteps))]
    public void Transitions_NonTerminalStep_HasAHandlerAndADeadline(string name)
    {
        var step = Enum.Parse<OpStep>(name);
        var now = TimeProvider.System.GetUtcNow();
        var op = new OperationRecord { Id = "t", Step = step, HealthTimeoutSeconds = 60, ConnectionSoakSeconds = 30 };

        Assert.True(SwapTransaction.Transitions.TryGetValue(step, out var transition), $"no handler for {step}");
        Assert.Equal(step, transition.Step);
        Assert.NotNull(transition.Handler);
        var deadline = transition.Deadline(op, now);
        Assert.InRange(deadline, now + TimeSpan.FromSeconds(1), now + TimeSpan.FromHours(1));
        Assert.InRange(transition.Deadline(op with { HealthDeadline = now + TimeSpan.FromMinutes(5), StableUntil = now + TimeSpan.FromMinutes(5) }, now), now + TimeSpan.FromSeconds(1), now + TimeSpan.FromHours(1));
    }

    [Fact]
    public void Transitions_TerminalStep_HasNoHandler() => Assert.False(SwapTransaction.Transitions.ContainsKey(OpStep.Done));
}
