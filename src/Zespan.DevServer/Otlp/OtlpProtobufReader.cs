using System.Text.Json.Nodes;
using Google.Protobuf;

namespace Zespan.DevServer.Otlp;

/// <summary>
/// Reads an OTLP <c>ExportTraceServiceRequest</c> (opentelemetry/proto/collector/trace/v1) from the protobuf wire format
/// with Google.Protobuf's <see cref="CodedInputStream"/>: only the fields the dev server maps, by their field numbers
/// in opentelemetry-proto's trace.proto, common.proto and resource.proto; every other field is skipped, so newer
/// senders are read too. A field whose wire type is not the one the spec gives is skipped, never misread.
/// </summary>
internal static class OtlpProtobufReader
{
    private const int MaxValueDepth = 16;

    /// <exception cref="InvalidProtocolBufferException">The body is not protobuf.</exception>
    public static List<OtlpSpan> Read(byte[] body)
    {
        var spans = new List<OtlpSpan>();
        var input = new CodedInputStream(body);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (Is(tag, 1, WireFormat.WireType.LengthDelimited))
            {
                ReadResourceSpans(input.ReadBytes(), spans); // resource_spans
            }
            else
            {
                input.SkipLastField();
            }
        }

        return spans;
    }

    private static void ReadResourceSpans(ByteString bytes, List<OtlpSpan> spans)
    {
        var input = bytes.CreateCodedInput();
        var resource = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var scopes = new List<ByteString>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (Is(tag, 1, WireFormat.WireType.LengthDelimited))
            {
                var r = input.ReadBytes().CreateCodedInput(); // Resource
                uint t;
                while ((t = r.ReadTag()) != 0)
                {
                    if (Is(t, 1, WireFormat.WireType.LengthDelimited))
                    {
                        ReadKeyValue(r.ReadBytes(), resource);
                    }
                    else
                    {
                        r.SkipLastField();
                    }
                }
            }
            else if (Is(tag, 2, WireFormat.WireType.LengthDelimited))
            {
                scopes.Add(input.ReadBytes()); // scope_spans: read after the resource, which may come later on the wire
            }
            else
            {
                input.SkipLastField();
            }
        }

        foreach (var scope in scopes)
        {
            ReadScopeSpans(scope, resource, spans);
        }
    }

    private static void ReadScopeSpans(ByteString bytes, IReadOnlyDictionary<string, JsonNode?> resource, List<OtlpSpan> spans)
    {
        var input = bytes.CreateCodedInput();
        string? scopeName = null;
        var first = spans.Count;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (Is(tag, 1, WireFormat.WireType.LengthDelimited))
            {
                var s = input.ReadBytes().CreateCodedInput(); // InstrumentationScope
                uint t;
                while ((t = s.ReadTag()) != 0)
                {
                    if (Is(t, 1, WireFormat.WireType.LengthDelimited))
                    {
                        scopeName = s.ReadString();
                    }
                    else
                    {
                        s.SkipLastField();
                    }
                }
            }
            else if (Is(tag, 2, WireFormat.WireType.LengthDelimited))
            {
                spans.Add(ReadSpan(input.ReadBytes(), resource));
            }
            else
            {
                input.SkipLastField();
            }
        }

        for (var i = first; i < spans.Count; i++)
        {
            spans[i].ScopeName = scopeName;
        }
    }

    private static OtlpSpan ReadSpan(ByteString bytes, IReadOnlyDictionary<string, JsonNode?> resource)
    {
        var span = new OtlpSpan { Resource = resource };
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when Delimited(tag):
                    span.TraceId = Hex(input.ReadBytes());
                    break;
                case 2 when Delimited(tag):
                    span.SpanId = Hex(input.ReadBytes());
                    break;
                case 4 when Delimited(tag):
                    span.ParentSpanId = Hex(input.ReadBytes());
                    break;
                case 5 when Delimited(tag):
                    span.Name = input.ReadString();
                    break;
                case 6 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint:
                    span.Kind = input.ReadEnum();
                    break;
                case 7 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64:
                    span.StartNanos = input.ReadFixed64();
                    break;
                case 8 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64:
                    span.EndNanos = input.ReadFixed64();
                    break;
                case 9 when Delimited(tag):
                    ReadKeyValue(input.ReadBytes(), span.Attributes);
                    break;
                case 11 when Delimited(tag):
                    span.Events.Add(ReadEvent(input.ReadBytes()));
                    break;
                case 15 when Delimited(tag):
                    ReadStatus(input.ReadBytes(), span);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return span;
    }

    private static OtlpSpanEvent ReadEvent(ByteString bytes)
    {
        var e = new OtlpSpanEvent();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (Is(tag, 1, WireFormat.WireType.Fixed64))
            {
                e.TimeNanos = input.ReadFixed64();
            }
            else if (Is(tag, 2, WireFormat.WireType.LengthDelimited))
            {
                e.Name = input.ReadString();
            }
            else if (Is(tag, 3, WireFormat.WireType.LengthDelimited))
            {
                ReadKeyValue(input.ReadBytes(), e.Attributes);
            }
            else
            {
                input.SkipLastField();
            }
        }

        return e;
    }

    private static void ReadStatus(ByteString bytes, OtlpSpan span)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (Is(tag, 2, WireFormat.WireType.LengthDelimited))
            {
                span.StatusMessage = input.ReadString();
            }
            else if (Is(tag, 3, WireFormat.WireType.Varint))
            {
                span.StatusCode = input.ReadEnum();
            }
            else
            {
                input.SkipLastField();
            }
        }
    }

    /// <summary>A <c>KeyValue</c>: <c>key</c> 1, <c>value</c> 2 (an <c>AnyValue</c>).</summary>
    private static void ReadKeyValue(ByteString bytes, Dictionary<string, JsonNode?> into, int depth = 0)
    {
        var input = bytes.CreateCodedInput();
        string? key = null;
        JsonNode? value = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (Is(tag, 1, WireFormat.WireType.LengthDelimited))
            {
                key = input.ReadString();
            }
            else if (Is(tag, 2, WireFormat.WireType.LengthDelimited))
            {
                value = ReadAnyValue(input.ReadBytes(), depth);
            }
            else
            {
                input.SkipLastField();
            }
        }

        if (key is not null)
        {
            into[key] = value;
        }
    }

    /// <summary>An <c>AnyValue</c>: string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7 (base64 here).</summary>
    private static JsonNode? ReadAnyValue(ByteString bytes, int depth)
    {
        if (depth > MaxValueDepth)
        {
            return JsonValue.Create("[nested too deep]");
        }

        var input = bytes.CreateCodedInput();
        JsonNode? value = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when Delimited(tag):
                    value = JsonValue.Create(input.ReadString());
                    break;
                case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint:
                    value = JsonValue.Create(input.ReadBool());
                    break;
                case 3 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint:
                    value = JsonValue.Create(input.ReadInt64());
                    break;
                case 4 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed64:
                    var number = input.ReadDouble();
                    value = double.IsFinite(number) ? JsonValue.Create(number) : JsonValue.Create(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case 5 when Delimited(tag):
                    var array = new JsonArray();
                    var a = input.ReadBytes().CreateCodedInput();
                    uint t;
                    while ((t = a.ReadTag()) != 0)
                    {
                        if (Is(t, 1, WireFormat.WireType.LengthDelimited))
                        {
                            array.Add(ReadAnyValue(a.ReadBytes(), depth + 1));
                        }
                        else
                        {
                            a.SkipLastField();
                        }
                    }

                    value = array;
                    break;
                case 6 when Delimited(tag):
                    var map = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
                    var k = input.ReadBytes().CreateCodedInput();
                    uint u;
                    while ((u = k.ReadTag()) != 0)
                    {
                        if (Is(u, 1, WireFormat.WireType.LengthDelimited))
                        {
                            ReadKeyValue(k.ReadBytes(), map, depth + 1);
                        }
                        else
                        {
                            k.SkipLastField();
                        }
                    }

                    var obj = new JsonObject();
                    foreach (var (key, item) in map)
                    {
                        obj[key] = item;
                    }

                    value = obj;
                    break;
                case 7 when Delimited(tag):
                    value = JsonValue.Create(input.ReadBytes().ToBase64());
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return value;
    }

    private static bool Is(uint tag, int field, WireFormat.WireType type) =>
        WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == type;

    private static bool Delimited(uint tag) => WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);
}
