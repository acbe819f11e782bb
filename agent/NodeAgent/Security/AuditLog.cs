using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Contracts.V1;
using NodeAgent.Store;

namespace NodeAgent.Security;

/// <summary>
/// The audit trail: one JSON line per mutating or refused call in state/audit/audit.jsonl, synced to disk before
/// the call returns, rotated past Security:AuditMaxBytes, keeping five older files. Each entry is also logged with
/// structured fields (Caller, Role, Method, OperationId, Component, Outcome) for journald.
/// </summary>
internal sealed partial class AuditLog(AgentPaths paths, AgentOptions options, TimeProvider time, ILogger<AuditLog> logger)
{
    public const int MaxListed = 10_000;

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private readonly Lock _lock = new();

    /// <summary>How many rotated files (audit.1.jsonl, the newest, to audit.5.jsonl) are kept besides the current one.</summary>
    public const int Generations = 5;

    private string Current => Generation(0);

    private string Generation(int n) => Path.Combine(paths.Audit, n == 0 ? "audit.jsonl" : $"audit.{n}.jsonl");

    public void Record(AuditEntry entry)
    {
        entry.Time = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        var line = Formatter.Format(entry) + "\n";
        var digests = string.Join(",", entry.Digests);
        LogEntry(entry.Caller, entry.Role, entry.Transport, entry.Method, entry.OperationId, entry.Component, digests, entry.Outcome, entry.Message);

        try
        {
            Append(line);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The entry is in the log above; the call's own outcome must not change because the disk is full.
            LogAppendFailed(ex.Message);
        }
    }

    private void Append(string line)
    {
        lock (_lock)
        {
            Directory.CreateDirectory(paths.Audit, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (File.Exists(Current) && new FileInfo(Current).Length > options.Security.AuditMaxBytes)
            {
                for (var n = Generations; n > 0; n--)
                {
                    if (File.Exists(Generation(n - 1)))
                    {
                        File.Move(Generation(n - 1), Generation(n), overwrite: true);
                    }
                }
            }

            using var file = new FileStream(Current, new FileStreamOptions
            {
                Mode = FileMode.Append,
                Access = FileAccess.Write,
                Share = FileShare.Read,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
            file.Write(System.Text.Encoding.UTF8.GetBytes(line));
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Entries matching the filter, newest first.</summary>
    public IReadOnlyList<AuditEntry> List(ListAuditEntriesRequest filter)
    {
        var limit = filter.Limit == 0 ? 100 : Math.Min(filter.Limit, MaxListed);
        var since = filter.Since?.ToDateTimeOffset();
        var lines = new List<string>();
        lock (_lock)
        {
            foreach (var path in Enumerable.Range(0, Generations + 1).Reverse().Select(Generation).Where(File.Exists))
            {
                lines.AddRange(File.ReadLines(path));
            }
        }

        var result = new List<AuditEntry>();
        for (var i = lines.Count - 1; i >= 0 && result.Count < limit; i--)
        {
            AuditEntry entry;
            try
            {
                entry = Parser.Parse<AuditEntry>(lines[i]);
            }
            catch (InvalidProtocolBufferException)
            {
                continue;
            }

            if ((filter.Caller.Length == 0 || entry.Caller.Contains(filter.Caller, StringComparison.Ordinal))
                && (filter.OperationId.Length == 0 || entry.OperationId == filter.OperationId)
                && (since is null || entry.Time.ToDateTimeOffset() >= since))
            {
                result.Add(entry);
            }
        }

        return result;
    }

    [LoggerMessage(EventId = 901, Level = LogLevel.Error, Message = "Could not append to the audit trail: {Reason}")]
    private partial void LogAppendFailed(string reason);

    [LoggerMessage(EventId = 900, Level = LogLevel.Information,
        Message = "Audit: {Caller} ({Role}, {Transport}) {Method} op={OperationId} component={Component} digests={Digests}: {Outcome} {Detail}")]
    private partial void LogEntry(string caller, string role, string transport, string method, string operationId, string component, string digests, string outcome, string detail);
}
