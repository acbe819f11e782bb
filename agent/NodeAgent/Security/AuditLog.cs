using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Contracts.V1;
using NodeAgent.Store;

namespace NodeAgent.Security;

/// <summary>
/// The audit trail: one JSON line per mutating or refused call in state/audit/audit.jsonl, synced to disk before
/// the call returns, rotated to audit.1.jsonl past Security:AuditMaxBytes. Each entry is also logged with
/// structured fields (Caller, Role, Method, OperationId, Component, Outcome) for journald.
/// </summary>
internal sealed partial class AuditLog(AgentPaths paths, AgentOptions options, TimeProvider time, ILogger<AuditLog> logger)
{
    public const int MaxListed = 10_000;

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private readonly Lock _lock = new();

    private string Current => Path.Combine(paths.Audit, "audit.jsonl");

    private string Previous => Path.Combine(paths.Audit, "audit.1.jsonl");

    public void Record(AuditEntry entry)
    {
        entry.Time = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        var line = Formatter.Format(entry) + "\n";
        var digests = string.Join(",", entry.Digests);
        LogEntry(entry.Caller, entry.Role, entry.Transport, entry.Method, entry.OperationId, entry.Component, digests, entry.Outcome, entry.Message);

        lock (_lock)
        {
            Directory.CreateDirectory(paths.Audit, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (File.Exists(Current) && new FileInfo(Current).Length > options.Security.AuditMaxBytes)
            {
                File.Move(Current, Previous, overwrite: true);
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
            foreach (var path in new[] { Previous, Current }.Where(File.Exists))
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

    [LoggerMessage(EventId = 900, Level = LogLevel.Information,
        Message = "Audit: {Caller} ({Role}, {Transport}) {Method} op={OperationId} component={Component} digests={Digests}: {Outcome} {Detail}")]
    private partial void LogEntry(string caller, string role, string transport, string method, string operationId, string component, string digests, string outcome, string detail);
}
