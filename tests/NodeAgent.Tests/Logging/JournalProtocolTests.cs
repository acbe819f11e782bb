using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using NodeAgent.Health;
using NodeAgent.Logging;
using NodeAgent.Tests.Infrastructure;
using Serilog.Events;
using Serilog.Parsing;

namespace NodeAgent.Tests.Logging;

/// <summary>The journal sink's datagrams, read back from a real Unix datagram socket; the log target and watchdog rules.</summary>
[Trait("Category", "RealSystemd")]
public sealed class JournalProtocolTests
{
    [Fact]
    public void JournalSink_SendsOneDatagramWithEveryPropertyAsAField_MultiLineValuesLengthPrefixed()
    {
        using var dir = new TempDir();
        var path = dir.Combine("journal.socket");
        using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        receiver.Bind(new UnixDomainSocketEndPoint(path));
        using var sink = new JournalSink(path, "nodeagent-test");
        var template = new MessageTemplateParser().Parse("Apply {OperationId} of {Component}: {Detail}");
        var properties = new[]
        {
            new LogEventProperty("OperationId", new ScalarValue("up-17")),
            new LogEventProperty("Component", new ScalarValue("kubelet")),
            new LogEventProperty("Detail", new ScalarValue("line one\nline two")),
            new LogEventProperty("_hidden", new ScalarValue("x")),
        };

        sink.Emit(new LogEvent(TimeProvider.System.GetUtcNow(), LogEventLevel.Warning, null, template, properties));

        var buffer = new byte[64 * 1024];
        var length = receiver.Receive(buffer);
        var fields = Parse(buffer.AsSpan(0, length));
        Assert.Equal("4", fields["PRIORITY"]);
        Assert.Equal("nodeagent-test", fields["SYSLOG_IDENTIFIER"]);
        Assert.Equal("up-17", fields["OPERATION_ID"]);
        Assert.Equal("kubelet", fields["COMPONENT"]);
        Assert.Equal("line one\nline two", fields["DETAIL"]);
        Assert.Equal("Apply \"up-17\" of \"kubelet\": \"line one\nline two\"", fields["MESSAGE"]);
        Assert.DoesNotContain(fields.Keys, k => k.StartsWith('_'));
    }

    [Theory]
    [InlineData("OperationId", "OPERATION_ID")]
    [InlineData("SourceContext", "SOURCE_CONTEXT")]
    [InlineData("Sha256", "SHA256")]
    [InlineData("already_snake", "ALREADY_SNAKE")]
    [InlineData("_private", "PRIVATE")]
    [InlineData("9lives", null)]
    [InlineData("é", null)]
    public void FieldNames_FollowTheJournalsRules(string property, string? field) => Assert.Equal(field, JournalSink.FieldName(property));

    [Theory]
    [InlineData("auto", null, "8:123", true, "console")]
    [InlineData("auto", "8:123", "8:123", true, "journal")]
    [InlineData("auto", "8:123", "8:999", true, "console")]
    [InlineData("auto", "8:123", "8:123", false, "stderr")]
    [InlineData("console", "8:123", "8:123", true, "console")]
    [InlineData("journal", null, null, false, "journal")]
    public void LogTarget_Auto_PicksTheJournalOnlyWhenStderrIsTheJournalStream(string target, string? journalStream, string? stderr, bool socket, string expected)
    {
        var environment = new Dictionary<string, string?> { ["JOURNAL_STREAM"] = journalStream, ["INVOCATION_ID"] = "inherited-from-a-service" };
        Assert.Equal(expected, LogTargets.Resolve(target, name => environment.GetValueOrDefault(name), _ => socket, () => stderr));
    }

    [Fact]
    public void PrefixedStderr_WritesOneLinePerEventWithItsPriority()
    {
        using var error = new StringWriter();
        var sink = new PrefixedStderrSink(error);
        sink.Emit(new LogEvent(TimeProvider.System.GetUtcNow(), LogEventLevel.Error, new InvalidOperationException("boom"), new MessageTemplateParser().Parse("failed\nbadly"), []));
        Assert.Matches(@"^<3>failed badly System\.InvalidOperationException: boom\r?\n$", error.ToString());
    }

    [Theory]
    [InlineData("6000000", null, 6.0)]
    [InlineData("6000000", "self", 6.0)]
    [InlineData("6000000", "1", null)]
    [InlineData("0", null, null)]
    [InlineData(null, null, null)]
    [InlineData("garbage", null, null)]
    public void Watchdog_Interval_ComesFromWatchdogUsec_ForThisProcessOnly(string? usec, string? pid, double? seconds)
    {
        var self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var environment = new Dictionary<string, string?> { ["WATCHDOG_USEC"] = usec, ["WATCHDOG_PID"] = pid == "self" ? self : pid };
        Assert.Equal(seconds, SystemdWatchdog.Interval(name => environment.GetValueOrDefault(name), Environment.ProcessId)?.TotalSeconds);
    }

    /// <summary>Reads the native protocol: KEY=value lines, or KEY, newline, 64-bit little-endian length, value, newline.</summary>
    private static Dictionary<string, string> Parse(ReadOnlySpan<byte> datagram)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        while (!datagram.IsEmpty)
        {
            var end = datagram.IndexOfAny((byte)'=', (byte)'\n');
            var name = Encoding.ASCII.GetString(datagram[..end]);
            if (datagram[end] == '=')
            {
                var line = datagram[(end + 1)..].IndexOf((byte)'\n');
                fields[name] = Encoding.UTF8.GetString(datagram.Slice(end + 1, line));
                datagram = datagram[(end + 1 + line + 1)..];
            }
            else
            {
                var size = (int)BinaryPrimitives.ReadUInt64LittleEndian(datagram[(end + 1)..]);
                fields[name] = Encoding.UTF8.GetString(datagram.Slice(end + 9, size));
                Assert.Equal((byte)'\n', datagram[end + 9 + size]);
                datagram = datagram[(end + 9 + size + 1)..];
            }
        }

        return fields;
    }
}
