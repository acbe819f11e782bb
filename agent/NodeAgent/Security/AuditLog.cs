using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Contracts.V1;
using NodeAgent.Store;

namespace NodeAgent.Security;

/// <summary>
/// The audit trail, two rotating JSON-lines files in state/audit: <c>audit.jsonl</c> for mutating calls (whatever
/// their outcome) and <c>refusals.jsonl</c> for calls refused for their identity, role or limits. Each rotates on
/// its own past Security:AuditMaxBytes, keeping five older files, so refusals can never rotate an Apply out.
/// Refusals are written at most Security:AuditRefusalsPerMinute times per caller and minute and summarised beyond
/// that; every entry is capped at 4 KiB (<see cref="AuditEntryBounds"/>). Appends are fsynced before the call returns.
/// Each written entry is also logged with structured fields (Caller, Role, Method, OperationId, Component, Outcome).
/// </summary>
internal sealed partial class AuditLog
{
    public const int MaxListed = 1000;

    public const string SummaryOutcome = "REFUSALS_SUMMARISED";

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ILogger<AuditLog> _logger;
    private readonly AuditTrail _calls;
    private readonly AuditTrail _refusals;
    private readonly RefusalThrottle _throttle;

    public AuditLog(AgentPaths paths, AgentOptions options, TimeProvider time, ILogger<AuditLog> logger)
    {
        _time = time;
        _logger = logger;
        _calls = new AuditTrail(paths.Audit, "audit", options.Security.AuditMaxBytes);
        _refusals = new AuditTrail(paths.Audit, "refusals", options.Security.AuditMaxBytes);
        _throttle = new RefusalThrottle(time, options.Security.AuditRefusalsPerMinute);
    }

    /// <summary>Records a mutating call's outcome.</summary>
    public void Record(AuditEntry entry) => Write(entry, _calls);

    /// <summary>Records a refused call, unless its caller (<paramref name="callerKey"/>) is over its rate of written refusals.</summary>
    public void RecordRefusal(AuditEntry entry, string callerKey)
    {
        lock (_lock)
        {
            if (!_throttle.Admit(callerKey, out var suppressed))
            {
                return;
            }

            entry.SuppressedRefusals = suppressed;
            Write(entry, _refusals);
        }
    }

    private void Write(AuditEntry entry, AuditTrail trail)
    {
        lock (_lock)
        {
            foreach (var (caller, since, count) in _throttle.TakeEnded())
            {
                Append(new AuditEntry
                {
                    Caller = caller,
                    Outcome = SummaryOutcome,
                    SuppressedRefusals = count,
                    Message = $"{count} more refusals of this caller in the minute from {since:u} were not written one by one",
                }, _refusals);
            }

            Append(entry, trail);
        }
    }

    private void Append(AuditEntry entry, AuditTrail trail)
    {
        entry.Time = Timestamp.FromDateTimeOffset(_time.GetUtcNow());
        var line = AuditEntryBounds.Apply(entry);
        var digests = string.Join(",", entry.Digests);
        LogEntry(entry.Caller, entry.Role, entry.Transport, entry.Method, entry.OperationId, entry.Component, digests, entry.Outcome, entry.Message);
        try
        {
            trail.Append(Encoding.UTF8.GetBytes(line));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The entry is in the log above; the call's own outcome must not change because the disk is full.
            LogAppendFailed(ex.Message);
        }
    }

    /// <summary>Entries of both trails matching the filter, newest first, read from the files' ends.</summary>
    public IReadOnlyList<AuditEntry> List(ListAuditEntriesRequest filter)
    {
        var limit = filter.Limit == 0 ? 100 : Math.Min(filter.Limit, MaxListed);
        var since = filter.Since?.ToDateTimeOffset();
        bool Matches(AuditEntry entry) =>
            (filter.Caller.Length == 0 || entry.Caller.Contains(filter.Caller, StringComparison.Ordinal))
            && (filter.OperationId.Length == 0 || entry.OperationId == filter.OperationId);

        var result = new List<AuditEntry>();
        lock (_lock)
        {
            using var calls = Entries(_calls).GetEnumerator();
            using var refusals = Entries(_refusals).GetEnumerator();
            var (hasCall, hasRefusal) = (calls.MoveNext(), refusals.MoveNext());
            while ((hasCall || hasRefusal) && result.Count < limit)
            {
                var takeCall = hasCall && (!hasRefusal || calls.Current.Time.ToDateTimeOffset() >= refusals.Current.Time.ToDateTimeOffset());
                var entry = takeCall ? calls.Current : refusals.Current;
                // Both trails are in time order: past an entry older than Since, that trail has nothing more.
                var older = since is not null && entry.Time.ToDateTimeOffset() < since;
                if (!older && Matches(entry))
                {
                    result.Add(entry);
                }

                if (takeCall)
                {
                    hasCall = !older && calls.MoveNext();
                }
                else
                {
                    hasRefusal = !older && refusals.MoveNext();
                }
            }
        }

        return result;
    }

    private static IEnumerable<AuditEntry> Entries(AuditTrail trail)
    {
        foreach (var line in trail.NewestFirst())
        {
            AuditEntry entry;
            try
            {
                entry = Parser.Parse<AuditEntry>(line);
            }
            catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException)
            {
                continue;
            }

            entry.Time ??= new Timestamp();
            yield return entry;
        }
    }

    [LoggerMessage(EventId = 901, Level = LogLevel.Error, Message = "Could not append to the audit trail: {Reason}")]
    private partial void LogAppendFailed(string reason);

    [LoggerMessage(EventId = 900, Level = LogLevel.Information,
        Message = "Audit: {Caller} ({Role}, {Transport}) {Method} op={OperationId} component={Component} digests={Digests}: {Outcome} {Detail}")]
    private partial void LogEntry(string caller, string role, string transport, string method, string operationId, string component, string digests, string outcome, string detail);
}
