using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace NodeAgent.Logging;

/// <summary>
/// A Serilog sink that speaks the systemd journal's native protocol: one datagram per event to
/// /run/systemd/journal/socket, holding MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and one field per event property
/// (OperationId becomes OPERATION_ID), so that <c>journalctl -o json</c> and <c>journalctl OPERATION_ID=…</c> find
/// them. Values with line breaks use the protocol's length-prefixed form.
/// </summary>
internal sealed class JournalSink : ILogEventSink, IDisposable
{
    /// <summary>The journal's datagrams are limited; longer values are cut to keep an event in one datagram.</summary>
    private const int MaxValueBytes = 48 * 1024;

    /// <summary>Properties stop being added past this size, below the default socket send buffer (about 208 KB).</summary>
    private const int MaxDatagramBytes = 160 * 1024;

    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly UnixDomainSocketEndPoint _endpoint;
    private readonly string _identifier;

    public JournalSink(string socketPath, string identifier)
    {
        _endpoint = new UnixDomainSocketEndPoint(socketPath);
        _identifier = identifier;
    }

    public void Emit(LogEvent logEvent)
    {
        try
        {
            _socket.SendTo(Encode(logEvent, _identifier), _endpoint);
        }
        catch (SocketException)
        {
            // The journal is gone or full; journald itself drops what it cannot take, and so do we.
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>The datagram for one event.</summary>
    public static byte[] Encode(LogEvent logEvent, string identifier)
    {
        using var datagram = new MemoryStream();
        Field(datagram, "MESSAGE", logEvent.RenderMessage(CultureInfo.InvariantCulture));
        Field(datagram, "PRIORITY", Priority(logEvent.Level).ToString(CultureInfo.InvariantCulture));
        Field(datagram, "SYSLOG_IDENTIFIER", identifier);
        if (logEvent.Exception is { } exception)
        {
            Field(datagram, "EXCEPTION", exception.ToString());
        }

        foreach (var (name, value) in logEvent.Properties)
        {
            if (datagram.Length < MaxDatagramBytes && FieldName(name) is { } field)
            {
                Field(datagram, field, Text(value));
            }
        }

        return datagram.ToArray();
    }

    /// <summary>syslog priorities, as journald and "&lt;N&gt;" prefixes use them.</summary>
    public static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2,
        LogEventLevel.Error => 3,
        LogEventLevel.Warning => 4,
        LogEventLevel.Information => 6,
        _ => 7,
    };

    /// <summary>
    /// A journal field name for a property: "OperationId" → "OPERATION_ID", "SourceContext" → "SOURCE_CONTEXT".
    /// Only A-Z, 0-9 and '_' are allowed, not first '_' or a digit, at most 64; anything else is dropped.
    /// </summary>
    public static string? FieldName(string property)
    {
        var name = new StringBuilder();
        for (var i = 0; i < property.Length; i++)
        {
            var c = property[i];
            if (char.IsAsciiLetterUpper(c) && i > 0 && (char.IsAsciiLetterLower(property[i - 1]) || char.IsAsciiDigit(property[i - 1])))
            {
                name.Append('_');
            }

            if (char.IsAsciiLetterOrDigit(c))
            {
                name.Append(char.ToUpperInvariant(c));
            }
            else if (c == '_' && name.Length > 0)
            {
                name.Append('_');
            }
        }

        return name.Length is > 0 and <= 64 && char.IsAsciiLetter(name[0]) ? name.ToString() : null;
    }

    private static string Text(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: null } => "",
        ScalarValue { Value: IFormattable formattable } => formattable.ToString(null, CultureInfo.InvariantCulture),
        ScalarValue scalar => scalar.Value.ToString() ?? "",
        _ => value.ToString(),
    };

    private static void Field(Stream datagram, string name, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > MaxValueBytes)
        {
            bytes = bytes[..MaxValueBytes];
        }

        datagram.Write(Encoding.ASCII.GetBytes(name));
        if (Array.IndexOf(bytes, (byte)'\n') < 0)
        {
            datagram.WriteByte((byte)'=');
            datagram.Write(bytes);
        }
        else
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)bytes.Length);
            datagram.WriteByte((byte)'\n');
            datagram.Write(length);
            datagram.Write(bytes);
        }

        datagram.WriteByte((byte)'\n');
    }
}
