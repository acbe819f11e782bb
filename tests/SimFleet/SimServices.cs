using System.Collections.Concurrent;

namespace SimFleet;

/// <summary>
/// Every simulated service of this fleet process: per node and unit, its main PID, when it first answers healthz after
/// its last restart, and whether it is broken or dies. The agents' service managers change this state; the healthz
/// responder reads it.
/// </summary>
internal sealed class SimServices(SimTimings timings, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, SimUnit> _units = new(StringComparer.Ordinal);
    private long _pids = 1000;

    public SimTimings Timings => timings;

    /// <summary>A running, healthy unit (the node before the upgrade).</summary>
    public void Add(string node, string unit) =>
        _units[Key(node, unit)] = new SimUnit(Interlocked.Increment(ref _pids), time.GetUtcNow(), Broken: false, DiesAt: null, Restarts: 0);

    public SimUnit Get(string node, string unit) =>
        _units.TryGetValue(Key(node, unit), out var found) ? found : throw new KeyNotFoundException($"no simulated unit {unit} on {node}");

    public bool Active(SimUnit unit) => unit.DiesAt is not { } dies || time.GetUtcNow() < dies;

    public bool Healthy(string node, string unit)
    {
        var state = Get(node, unit);
        return Active(state) && !state.Broken && time.GetUtcNow() >= state.HealthyAt;
    }

    /// <summary>A new main PID at once; healthy after the drawn delay (never, for a broken restart).</summary>
    public void Restart(string node, string unit)
    {
        _units.AddOrUpdate(
            Key(node, unit),
            _ => throw new KeyNotFoundException($"no simulated unit {unit} on {node}"),
            (_, old) =>
            {
                var restart = old.Restarts + 1;
                var healthyAt = time.GetUtcNow() + timings.RestartToHealthy(node, unit, restart);
                var dies = timings.DiesAfterHealthy(node, unit, restart) is { } after ? healthyAt + after : (DateTimeOffset?)null;
                return new SimUnit(Interlocked.Increment(ref _pids), healthyAt, timings.Fails(node, unit, restart), dies, restart);
            });
    }

    public void Stop(string node, string unit) =>
        _units.AddOrUpdate(Key(node, unit), _ => throw new KeyNotFoundException(unit), (_, old) => old with { DiesAt = time.GetUtcNow() });

    private static string Key(string node, string unit) => $"{node}/{unit}";
}

