using System.Diagnostics;

namespace Benchmarks;

/// <summary>
/// Where a rollout's wall time went, from its progress lines: taking the nodes over (claims, reconcile) until the first
/// "phase" line, then each phase until the next one, the last until <see cref="Stop"/>.
/// </summary>
internal sealed class PhaseClock
{
    private const string Takeover = "takeover";
    private readonly Stopwatch _watch = new();
    private readonly List<(string Phase, TimeSpan At)> _starts = [];

    public void Start()
    {
        lock (_starts)
        {
            _starts.Clear();
            _starts.Add((Takeover, TimeSpan.Zero));
        }

        _watch.Restart();
    }

    /// <summary>Reads one progress message (without its time prefix).</summary>
    public void See(string message)
    {
        if (message.StartsWith("phase ", StringComparison.Ordinal))
        {
            lock (_starts)
            {
                _starts.Add((message["phase ".Length..].Trim(), _watch.Elapsed));
            }
        }
    }

    /// <summary>Seconds per phase, in the order they ran (a phase that ran twice is summed).</summary>
    public Dictionary<string, double> Stop()
    {
        var end = _watch.Elapsed;
        lock (_starts)
        {
            var result = new Dictionary<string, double>(StringComparer.Ordinal);
            for (var i = 0; i < _starts.Count; i++)
            {
                var until = i + 1 < _starts.Count ? _starts[i + 1].At : end;
                result[_starts[i].Phase] = Math.Round(result.GetValueOrDefault(_starts[i].Phase) + (until - _starts[i].At).TotalSeconds, 1);
            }

            return result;
        }
    }
}
