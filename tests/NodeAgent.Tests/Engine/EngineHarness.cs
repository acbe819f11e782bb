using Microsoft.Extensions.Time.Testing;
using NodeAgent.Coordinator.Composition;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Logging;
using NodeAgent.Coordinator.Plans;
using NodeAgent.Coordinator.Progress;

namespace NodeAgent.Tests.Engine;

/// <summary>
/// The engine against a <see cref="FakeAgentClient"/>, a real journal in a temporary directory and a fake clock that
/// the harness moves on while the engine runs: a soak of minutes passes in milliseconds.
/// </summary>
internal sealed class EngineHarness : IDisposable
{
    public const string From = "v1.0.0";
    public const string Target = "v1.1.0";
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FakeLimit = TimeSpan.FromDays(1);
    private static readonly string[] ComponentNames = ["kube-apiserver", "kubelet"];
    private readonly string _directory = Directory.CreateTempSubdirectory("engine-rules-").FullName;

    public EngineHarness(int controlPlanes, int workers, Func<RolloutPolicy, RolloutPolicy>? policy = null)
    {
        Agents = new FakeAgentClient(Time, Target);
        var inventory = Enumerable.Range(1, controlPlanes).Select(i => new PlanNode($"cp-{i}", Roles.ControlPlane, $"cp-{i}:7443"))
            .Concat(Enumerable.Range(1, workers).Select(i => new PlanNode($"w-{i}", Roles.Worker, $"w-{i}:7443")))
            .ToList();
        var artifacts = ComponentNames.Select(c => new PlanArtifact(c, new string(c[5], 64), 1024, $"/srv/{c}")).ToList();
        IReadOnlyList<PlanComponent> Components(params string[] names) =>
            names.Select(n => new PlanComponent(n, new Dictionary<string, string> { ["binary"] = n }, Marker: false)).ToList();
        var basePolicy = new RolloutPolicy(
            CanaryNodes: [],
            CanaryCount: 1,
            BatchSize: new Amount(2, false),
            MaxConcurrency: 4,
            FailuresPerBatch: new Amount(0, false),
            FailuresTotal: new Amount(0, false),
            SoakAfterCanary: TimeSpan.FromMinutes(2),
            SoakBetweenBatches: TimeSpan.Zero,
            HealthTimeout: TimeSpan.FromSeconds(30),
            CallTimeout: TimeSpan.FromSeconds(10),
            Retries: 0,
            RollbackOnFailure: true,
            Phases: Phases.All);
        Plan = new Plan(
            "r1",
            Target,
            artifacts,
            new Dictionary<string, IReadOnlyList<PlanComponent>> { [Roles.ControlPlane] = Components("kube-apiserver", "kubelet"), [Roles.Worker] = Components("kubelet") },
            inventory,
            policy is null ? basePolicy : policy(basePolicy),
            new string('d', 64));
        foreach (var node in inventory)
        {
            Agents.Add(node.Name, Plan.ComponentsOf(node).Select(c => c.Name).ToList(), From);
        }

        Journal = new RolloutJournal(Path.Combine(_directory, "journal.db"), Time);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));

    public FakeAgentClient Agents { get; }

    public Plan Plan { get; set; }

    public RolloutJournal Journal { get; }

    public List<IRolloutHook> Hooks { get; } = [];

    /// <summary>The structured log the engine also reports to (as <c>rollout --log-format json</c> does), or none.</summary>
    public RolloutLog? Log { get; set; }

    public IReadOnlyList<string> Workers => Plan.Inventory.Where(n => n.Role == Roles.Worker).Select(n => n.Name).ToList();

    /// <summary>Runs the engine once to its end, moving the fake clock while it waits.</summary>
    public async Task<RolloutResult> RunAsync()
    {
        var owner = Journal.NextClaimOwner(Plan.Rollout, "engine-rules test");
        var engine = RolloutComposition.Engine(new RolloutSetup(Plan, Path.Combine(_directory, "plan.yaml"), Agents, Journal, RolloutComposition.Observer(new RolloutProgress(Time, Plan.Inventory.Count), Log), Hooks, Time, owner));
        return await AdvanceUntilDoneAsync(() => engine.RunAsync(CancellationToken.None));
    }

    /// <summary>Runs <paramref name="work"/> to its end, moving the fake clock while it waits.</summary>
    public async Task<T> AdvanceUntilDoneAsync<T>(Func<Task<T>> work)
    {
        var run = Task.Run(work);
        var giveUpAt = Time.GetUtcNow() + FakeLimit;
        while (!run.IsCompleted && Time.GetUtcNow() < giveUpAt)
        {
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System));
            Time.Advance(Step);
        }

        Assert.True(run.IsCompleted, $"the work did not finish within {FakeLimit} of fake time");
        return await run;
    }

    /// <summary>The state the journal holds for a node.</summary>
    public string StateOf(string node) => Journal.Nodes(Plan.Rollout).Single(n => n.Node == node).State;

    /// <summary>The nodes that got an apply, in the order of their first one.</summary>
    public IReadOnlyList<string> AppliedOrder() => Agents.Of("apply").Select(c => c.Node).Distinct().ToList();

    public void Dispose()
    {
        Journal.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
