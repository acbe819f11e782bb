using System.Text;
using Google.Protobuf;
using NodeAgent.Contracts.V1;
using NodeAgent.Validation;

namespace NodeAgent.Security;

/// <summary>
/// Caps one audit entry at <see cref="MaxEntryBytes"/> of JSON: every text field escaped and bounded first, then
/// digests kept while they fit and the rest counted in <c>omitted</c>. The bound is on the written line, after
/// JSON escaping, so no request can make one entry larger.
/// </summary>
internal static class AuditEntryBounds
{
    public const int MaxEntryBytes = 4096;
    public const int MaxMessageChars = 512;
    public const int MaxCallerChars = 256;

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);

    /// <summary>Bounds <paramref name="entry"/> in place and returns its JSON line (with the newline).</summary>
    public static string Apply(AuditEntry entry)
    {
        entry.OperationId = InputRules.Shorten(entry.OperationId);
        entry.Component = InputRules.Shorten(entry.Component);
        var digests = entry.Digests.Select(InputRules.Shorten).ToList();
        entry.Digests.Clear();

        // Text fields first: halved until the entry without digests fits (16 characters always do).
        var (caller, message) = (entry.Caller, entry.Message);
        for (var chars = MaxMessageChars; ; chars /= 2)
        {
            entry.Message = InputRules.Escape(message, chars);
            entry.Caller = InputRules.Escape(caller, Math.Min(MaxCallerChars, chars));
            if (Bytes(Formatter.Format(entry)) + 64 <= MaxEntryBytes || chars <= 16)
            {
                break;
            }
        }

        // Room for the omitted count and the digests' own brackets; a non-alphanumeric character may take six bytes.
        var budget = MaxEntryBytes - Bytes(Formatter.Format(entry)) - 64;
        foreach (var digest in digests)
        {
            var cost = digest.Sum(c => char.IsAsciiLetterOrDigit(c) ? 1 : 6) + 3;
            if (cost > budget)
            {
                entry.Omitted++;
                continue;
            }

            entry.Digests.Add(digest);
            budget -= cost;
        }

        return Formatter.Format(entry) + "\n";
    }

    private static int Bytes(string text) => Encoding.UTF8.GetByteCount(text);
}
