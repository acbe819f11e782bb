using System.CommandLine;
using NodeAgent.CommandLine;
using NodeAgent.Coordinator.Claims;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Coordinator.Journal.Etcd;

namespace NodeAgent.Coordinator.Cli;

/// <summary>
/// The journal a rollout runs on, held exclusively: a SQLite file under its flock, or an etcd journal under this
/// coordinator's elected leadership of the rollout (as a standby: after waiting for it). <see cref="Lost"/> fires
/// when an etcd leadership is lost; the rollout must then stop at once.
/// </summary>
internal sealed class JournalSession : IAsyncDisposable
{
    private readonly IDisposable? _lock;
    private readonly EtcdLeadership? _leadership;

    private JournalSession(IRolloutJournal journal, IDisposable? fileLock, EtcdLeadership? leadership)
    {
        Journal = journal;
        _lock = fileLock;
        _leadership = leadership;
    }

    public IRolloutJournal Journal { get; }

    public CancellationToken Lost => _leadership?.Lost ?? CancellationToken.None;

    /// <summary>Opens the session; <paramref name="say"/> writes what the etcd client and the campaign report (a lost quorum, waiting as a standby).</summary>
    public static async Task<JournalSession> OpenAsync(CliOptions options, ParseResult parse, string rollout, bool standby, TimeSpan leaseTtl, Action<string> say, CancellationToken cancellationToken)
    {
        if (options.EtcdJournal(parse) is not { } etcd)
        {
            if (standby)
            {
                throw new CliFailure("--standby needs an etcd journal: a SQLite file lives on one machine, so there is nothing to take over from", ExitCodes.InvalidPlan, "give --journal etcd://HOST:PORT,.../PREFIX");
            }

            var journal = options.OpenJournal(parse);
            try
            {
                return new JournalSession(journal, RolloutJournal.LockForRollout(options.JournalPath(parse)), null);
            }
            catch
            {
                journal.Dispose();
                throw;
            }
        }

        var kv = options.ConnectEtcd(parse, etcd, patient: true, say);
        try
        {
            var leadership = await EtcdLeadership.CampaignAsync(kv, rollout, ClaimOwner.ThisProcess, leaseTtl, standby, TimeProvider.System, say, cancellationToken);
            return new JournalSession(new EtcdRolloutJournal(kv, TimeProvider.System, leadership), null, leadership);
        }
        catch
        {
            kv.Dispose();
            throw;
        }
    }

    /// <summary>For a standby that took over: whether the rollout already ended under an earlier leader (then there is nothing to do).</summary>
    public RolloutRecord? EndedBefore(string rollout) =>
        _leadership is not null && Journal.Find(rollout) is { State: RolloutStates.Succeeded or RolloutStates.Failed } ended ? ended : null;

    public async ValueTask DisposeAsync()
    {
        if (_leadership is not null)
        {
            await _leadership.DisposeAsync();
        }

        _lock?.Dispose();
        Journal.Dispose();
    }
}
