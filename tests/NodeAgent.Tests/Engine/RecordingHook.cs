using NodeAgent.Coordinator;
using NodeAgent.Coordinator.Engine;

namespace NodeAgent.Tests.Engine;

/// <summary>A cluster hook that records when each of its steps ran (on the fake clock), and can be told to fail one.</summary>
internal sealed class RecordingHook(string name, TimeProvider time) : IRolloutHook
{
    private readonly List<(string Step, DateTimeOffset At)> _steps = [];

    public string Name { get; } = name;

    public string? FailStep { get; set; }

    public IReadOnlySet<string>? StoppedOn { get; private set; }

    public IReadOnlyList<(string Step, DateTimeOffset At)> Steps
    {
        get
        {
            lock (_steps)
            {
                return [.. _steps];
            }
        }
    }

    public Task BeforeWindowAsync(CancellationToken cancellationToken) => Step("before-window");

    public Task AfterControlPlaneNodeAsync(CancellationToken cancellationToken) => Step("after-control-plane-node");

    public Task AfterNodesAsync(CancellationToken cancellationToken) => Step("after-nodes");

    public Task OnStopAsync(IReadOnlySet<string> claimed, CancellationToken cancellationToken)
    {
        StoppedOn = claimed;
        return Step("on-stop");
    }

    private Task Step(string step)
    {
        lock (_steps)
        {
            _steps.Add((step, time.GetUtcNow()));
        }

        return FailStep == step ? Task.FromException(new CoordinatorException($"{Name} could not {step}")) : Task.CompletedTask;
    }
}
