using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Coordinator.Logging;

/// <summary>
/// Writes log events as JSON lines, one object per event: <c>time</c>, <c>level</c>, <c>eventId</c>, <c>event</c>,
/// <c>category</c>, <c>message</c> (the rendered text), then every named field of the event under its own name
/// (<c>RolloutId</c>, <c>Node</c>, <c>Component</c>, <c>OperationId</c>, ...). Events below Information are not written.
/// Thread-safe: lines from nodes running in parallel never interleave.
/// </summary>
internal sealed class JsonLineLoggerProvider(TextWriter writer, TimeProvider time) : ILoggerProvider
{
    private const string OriginalFormat = "{OriginalFormat}";
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new JsonLineLogger(this, categoryName);

    public void Dispose()
    {
    }

    internal void Write<TState>(string category, LogLevel level, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("time", time.GetUtcNow());
            json.WriteString("level", level.ToString());
            json.WriteNumber("eventId", eventId.Id);
            json.WriteString("event", eventId.Name ?? "");
            json.WriteString("category", category);
            json.WriteString("message", formatter(state, exception));
            if (state is IReadOnlyList<KeyValuePair<string, object?>> fields)
            {
                foreach (var (key, value) in fields.Where(f => f.Key != OriginalFormat))
                {
                    json.WritePropertyName(key);
                    WriteValue(json, value);
                }
            }

            if (exception is not null)
            {
                json.WriteString("exception", $"{exception.GetType().Name}: {exception.Message}");
            }

            json.WriteEndObject();
        }

        var line = Encoding.UTF8.GetString(buffer.WrittenSpan);
        lock (_lock)
        {
            writer.WriteLine(line);
        }
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            case int number:
                json.WriteNumberValue(number);
                break;
            case long number:
                json.WriteNumberValue(number);
                break;
            case double number:
                json.WriteNumberValue(number);
                break;
            case string text:
                json.WriteStringValue(text);
                break;
            case IEnumerable<string> items:
                json.WriteStartArray();
                foreach (var item in items)
                {
                    json.WriteStringValue(item);
                }

                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
