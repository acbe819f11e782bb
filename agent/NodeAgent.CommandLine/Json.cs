using System.Text.Encodings.Web;
using System.Text.Json;

namespace NodeAgent.CommandLine;

/// <summary>How the CLIs write JSON: readable quotes and apostrophes (escaped only where JSON requires it).</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonSerializerOptions Indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };
}
