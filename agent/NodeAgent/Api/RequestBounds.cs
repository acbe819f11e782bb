using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using NodeAgent.Configuration;
using NodeAgent.Security;
using V1 = NodeAgent.Contracts.V1;

namespace NodeAgent.Api;

/// <summary>
/// Bounds every request message (all calls but the StageArtifact stream) before gRPC builds it: its declared size
/// (Limits:MaxRequestBytes), then a scan of its wire format for the elements of repeated fields
/// (Limits:MaxRepeatedPerRequest), the digests it names (Limits:MaxDigestsPerRequest), nesting depth and well-formed
/// bytes. A request over a limit gets RESOURCE_EXHAUSTED, a malformed one INVALID_ARGUMENT, and the refusal goes to
/// the audit trail like any other; nothing of it is materialised beyond its bounded bytes.
/// </summary>
internal sealed class RequestBounds(AgentOptions options, CallerResolver resolver, AuditLog audit) : IMiddleware
{
    private const string Prefix = "/nodeagent.v1.NodeAgentService/";
    private const int FrameHeader = 5;

    private static readonly Dictionary<string, MessageDescriptor> Requests =
        V1.NodeAgentReflection.Descriptor.Services.Single().Methods
            .Where(method => !method.IsClientStreaming)
            .ToDictionary(method => method.Name, method => method.InputType, StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value;
        if (path is null || !path.StartsWith(Prefix, StringComparison.Ordinal) || !Requests.TryGetValue(path[Prefix.Length..], out var descriptor))
        {
            await next(context);
            return;
        }

        if (await CheckAsync(context, path[Prefix.Length..], descriptor) is not { } refusal)
        {
            await next(context);
            return;
        }

        var caller = resolver.Resolve(context);
        audit.RecordRefusal(CallGate.Entry(caller, path, null, refusal.StatusCode, refusal.Detail), caller.LimitKey);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)refusal.StatusCode).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(refusal.Detail);
    }

    /// <summary>Null when the request is within its bounds; the bytes stay unread for gRPC either way.</summary>
    private async Task<Status?> CheckAsync(HttpContext context, string method, MessageDescriptor descriptor)
    {
        var limits = options.Limits;
        var reader = context.Request.BodyReader;
        var read = await reader.ReadAtLeastAsync(FrameHeader, context.RequestAborted);
        var buffer = read.Buffer;
        if (buffer.Length < FrameHeader)
        {
            // Too short to be a message: gRPC itself refuses it.
            reader.AdvanceTo(buffer.Start);
            return null;
        }

        var header = buffer.Slice(0, FrameHeader).ToArray();
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (header[0] != 0)
        {
            reader.AdvanceTo(buffer.Start);
            return new Status(StatusCode.InvalidArgument, "compressed request messages are not accepted; send them uncompressed");
        }

        if (length > limits.MaxRequestBytes)
        {
            reader.AdvanceTo(buffer.Start);
            return new Status(StatusCode.ResourceExhausted, $"the {method} request is {length} bytes; the limit is {limits.MaxRequestBytes} (Limits:MaxRequestBytes)");
        }

        reader.AdvanceTo(buffer.Start);
        read = await reader.ReadAtLeastAsync(FrameHeader + (int)length, context.RequestAborted);
        buffer = read.Buffer;
        var scan = buffer.Length < FrameHeader + length ? new WireScan.Result(0, 0, null) : WireScan.Scan(buffer.Slice(FrameHeader, length).ToArray(), descriptor);
        reader.AdvanceTo(buffer.Start);
        return scan switch
        {
            { Malformed: { } problem } => new Status(StatusCode.InvalidArgument, $"the {method} request is not a valid {descriptor.Name} message: {problem}"),
            { Digests: var digests } when digests > limits.MaxDigestsPerRequest =>
                new Status(StatusCode.ResourceExhausted, $"the {method} request names {digests} digests; the limit is {limits.MaxDigestsPerRequest} (Limits:MaxDigestsPerRequest)"),
            { Repeated: var repeated } when repeated > limits.MaxRepeatedPerRequest =>
                new Status(StatusCode.ResourceExhausted, $"the {method} request has {repeated} elements in repeated fields; the limit is {limits.MaxRepeatedPerRequest} (Limits:MaxRepeatedPerRequest)"),
            _ => null,
        };
    }

    /// <summary>grpc-message encoding: printable ASCII as is, everything else (and '%') as %XX of its UTF-8 bytes.</summary>
    private static string PercentEncode(string message)
    {
        var text = new StringBuilder(message.Length);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7e and not (byte)'%')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return text.ToString();
    }
}
