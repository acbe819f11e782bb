using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Plans;

namespace NodeAgent.Coordinator.Cluster;

/// <summary>
/// Holds an Alertmanager silence over the rollout window: created (or, on a resumed rollout, the journaled one
/// extended) before the first node, extended while the rollout runs whenever less than half its duration is left,
/// and expired after the nodes are done or when the rollout stops early. A coordinator that dies leaves a silence
/// that runs out by itself within one duration. Across crashes and standby takeovers there is one silence per
/// rollout, expired once: a run that finds no journaled id adopts a live silence with this rollout's matchers,
/// creator and comment (its predecessor may have died between creating it and journaling its id), and the expiry is
/// journaled by id, so a later run that reaches the end again does not expire it a second time.
/// </summary>
internal sealed class SilenceHook : IRolloutHook, IDisposable
{
    public const string Fact = "silence";
    private const string IdFact = "_silence-id";
    private const string ExpiredFact = "_silence-expired";
    private readonly Plan _plan;
    private readonly AlertSilences _api;
    private readonly IRolloutJournal _journal;
    private readonly IRolloutObserver _progress;
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;
    private readonly string _comment;
    private CancellationTokenSource? _keeper;
    private Task? _keeping;
    private bool _ended;

    public SilenceHook(Plan plan, AlertSilencePlan silence, HttpClient http, IRolloutJournal journal, IRolloutObserver progress, TimeProvider time)
    {
        _plan = plan;
        _journal = journal;
        _progress = progress;
        _time = time;
        _duration = silence.Duration;
        _comment = silence.Comment.Length > 0 ? silence.Comment : $"NodeAgent rollout {plan.Rollout} to {plan.TargetVersion}";
        var matchers = silence.Matchers.Select(m => new SilenceMatcher(m.Name, m.Value, m.IsRegex, m.IsEqual)).ToList();
        _api = new AlertSilences(http, new SilenceOptions(silence.Url, matchers, silence.Duration, silence.CreatedBy, _comment), time);
    }

    public string Name => "silence";

    /// <summary>The silence the hook holds now, or null.</summary>
    public string? SilenceId => _journal.Fact(_plan.Rollout, "", IdFact);

    public async Task BeforeWindowAsync(CancellationToken cancellationToken)
    {
        var existing = SilenceId is { } id
            ? await _api.GetAsync(id, cancellationToken)
            : (await _api.ListAsync(cancellationToken)).FirstOrDefault(s => s.Comment == _comment && s.State is "active" or "pending");
        var resumed = existing is { State: "active" or "pending" };
        var held = resumed ? await _api.ExtendAsync(existing!.Id, cancellationToken) : await _api.CreateAsync(cancellationToken);
        Record(held, resumed ? "extended (resumed rollout)" : "created");
        _keeper = new CancellationTokenSource();
        _keeping = KeepAsync(held, _keeper.Token);
    }

    public async Task AfterNodesAsync(CancellationToken cancellationToken)
    {
        await EndAsync("after the nodes were done", cancellationToken);
        _ended = true;
    }

    public async Task OnStopAsync(IReadOnlySet<string> claimed, CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return;
        }

        try
        {
            await EndAsync("because the rollout stopped early", cancellationToken);
        }
        catch (CoordinatorException ex)
        {
            _journal.SetFact(_plan.Rollout, "", Fact, $"{SilenceId}: could NOT be expired ({ex.Message}); it runs out by itself within {_duration}");
            _progress.Say($"silence: could not expire {SilenceId}: {ex.Message}");
        }
    }

    public void Dispose()
    {
        _keeper?.Cancel();
        _keeper?.Dispose();
    }

    /// <summary>
    /// Extends the silence whenever less than half its duration is left, until the window ends. Only the wait is
    /// cancelled: an extension already sent finishes and is journaled, so that the silence expired at the end is
    /// the one Alertmanager holds (it may answer an extension with a new id).
    /// </summary>
    private async Task KeepAsync(Silence held, CancellationToken stop)
    {
        var check = _duration / 4;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(check, _time, stop);
                if (held.EndsAt - _time.GetUtcNow() < _duration / 2)
                {
                    held = await _api.ExtendAsync(held.Id, CancellationToken.None);
                    Record(held, "extended (the rollout is still running)");
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (CoordinatorException ex)
            {
                _progress.Say($"silence: could not extend {held.Id}, trying again in {check}: {ex.Message}");
            }
        }
    }

    private async Task EndAsync(string why, CancellationToken cancellationToken)
    {
        if (_keeper is not null)
        {
            await _keeper.CancelAsync();
            await _keeping!;
        }

        if (SilenceId is not { } id)
        {
            return;
        }

        if (_journal.Fact(_plan.Rollout, "", ExpiredFact) == id)
        {
            _progress.Say($"silence: {id} was already expired by an earlier run");
            return;
        }

        await _api.ExpireAsync(id, cancellationToken);
        _journal.SetFact(_plan.Rollout, "", ExpiredFact, id);
        _journal.SetFact(_plan.Rollout, "", Fact, $"{id}: expired {why} at {_time.GetUtcNow():u}");
        _journal.AddEvent(_plan.Rollout, $"silence: {id} expired {why}");
        _progress.Say($"silence: {id} expired {why}");
    }

    private void Record(Silence held, string what)
    {
        _journal.SetFact(_plan.Rollout, "", IdFact, held.Id);
        _journal.SetFact(_plan.Rollout, "", Fact, $"{held.Id}: {what}, ends {held.EndsAt:u} unless extended or expired");
        _journal.AddEvent(_plan.Rollout, $"silence: {held.Id} {what}, ends {held.EndsAt:u}");
        _progress.Say($"silence: {held.Id} {what}, ends {held.EndsAt:u}");
    }
}
