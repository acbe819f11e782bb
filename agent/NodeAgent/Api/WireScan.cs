using Google.Protobuf.Reflection;

namespace NodeAgent.Api;

/// <summary>
/// Walks a protobuf message's wire format without building it: checks that it is well formed, not nested deeper
/// than <see cref="MaxDepth"/>, and counts the elements of repeated fields and the sha256 fields, so that a request
/// over its limits is refused before a single object of it is allocated.
/// </summary>
internal static class WireScan
{
    public const int MaxDepth = 16;

    /// <summary>What a scan found: counts, or the first reason the bytes are not a valid message.</summary>
    internal record struct Result(int Repeated, int Digests, string? Malformed);

    public static Result Scan(ReadOnlySpan<byte> data, MessageDescriptor descriptor)
    {
        var result = new Result(0, 0, null);
        Walk(data, descriptor, 1, ref result);
        return result;
    }

    private static void Walk(ReadOnlySpan<byte> data, MessageDescriptor? descriptor, int depth, ref Result result)
    {
        if (depth > MaxDepth)
        {
            result.Malformed = $"messages are nested more than {MaxDepth} deep";
            return;
        }

        var position = 0;
        while (position < data.Length && result.Malformed is null)
        {
            if (!TryVarint(data, ref position, out var tag) || tag >> 3 is 0 or > int.MaxValue)
            {
                result.Malformed = $"invalid field tag at byte {position}";
                return;
            }

            var field = descriptor?.FindFieldByNumber((int)(tag >> 3));
            if (field is not null && field.IsRepeated)
            {
                result.Repeated++;
            }

            switch ((int)(tag & 7))
            {
                case 0 when TryVarint(data, ref position, out _):
                    break;
                case 1 when data.Length - position >= 8:
                    position += 8;
                    break;
                case 5 when data.Length - position >= 4:
                    position += 4;
                    break;
                case 2 when TryVarint(data, ref position, out var length) && length <= (ulong)(data.Length - position):
                    var content = data.Slice(position, (int)length);
                    position += (int)length;
                    if (field?.FieldType == FieldType.Message)
                    {
                        Walk(content, field.MessageType, depth + 1, ref result);
                    }
                    else if (field?.Name == "sha256")
                    {
                        result.Digests++;
                    }

                    break;
                default:
                    result.Malformed = $"field {tag >> 3} has a truncated value or an unsupported wire type {tag & 7}";
                    return;
            }
        }
    }

    private static bool TryVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && position < data.Length; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
