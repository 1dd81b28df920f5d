using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Otlp;

/// <summary>
/// Reads an OTLP/JSON <c>ExportTraceServiceRequest</c>: the protobuf JSON mapping with OTLP's rules (lowerCamelCase
/// names, trace and span ids as hex, 64-bit integers as strings or numbers, enums as integers).
/// </summary>
internal static class OtlpJsonReader
{
    private const int MaxValueDepth = 16;

    /// <exception cref="ApiException">400 when the body is not such a document.</exception>
    public static List<OtlpSpan> Read(JsonNode body)
    {
        if (body is not JsonObject request)
        {
            throw ApiException.BadRequest("an OTLP/JSON export is an object with resourceSpans");
        }

        var spans = new List<OtlpSpan>();
        foreach (var resourceSpans in Array(request, "resourceSpans"))
        {
            var resource = Attributes(resourceSpans?["resource"]?["attributes"]);
            foreach (var scopeSpans in Array(resourceSpans as JsonObject, "scopeSpans"))
            {
                var scopeName = Text(scopeSpans?["scope"]?["name"]);
                foreach (var item in Array(scopeSpans as JsonObject, "spans"))
                {
                    if (item is not JsonObject s)
                    {
                        continue;
                    }

                    var span = new OtlpSpan
                    {
                        TraceId = (Text(s["traceId"]) ?? string.Empty).ToLowerInvariant(),
                        SpanId = (Text(s["spanId"]) ?? string.Empty).ToLowerInvariant(),
                        ParentSpanId = Text(s["parentSpanId"])?.ToLowerInvariant(),
                        Name = Text(s["name"]) ?? string.Empty,
                        Kind = (int)(Integer(s["kind"]) ?? 0),
                        StartNanos = (ulong)Math.Max(0, Integer(s["startTimeUnixNano"]) ?? 0),
                        EndNanos = (ulong)Math.Max(0, Integer(s["endTimeUnixNano"]) ?? 0),
                        StatusCode = (int)(Integer(s["status"]?["code"]) ?? 0),
                        StatusMessage = Text(s["status"]?["message"]),
                        Resource = resource,
                        ScopeName = scopeName,
                    };
                    foreach (var (key, value) in Attributes(s["attributes"]))
                    {
                        span.Attributes[key] = value;
                    }

                    foreach (var e in Array(s, "events"))
                    {
                        var spanEvent = new OtlpSpanEvent { Name = Text(e?["name"]) ?? string.Empty, TimeNanos = (ulong)Math.Max(0, Integer(e?["timeUnixNano"]) ?? 0) };
                        foreach (var (key, value) in Attributes(e?["attributes"]))
                        {
                            spanEvent.Attributes[key] = value;
                        }

                        span.Events.Add(spanEvent);
                    }

                    spans.Add(span);
                }
            }
        }

        return spans;
    }

    private static IEnumerable<JsonNode?> Array(JsonObject? parent, string name) =>
        parent?[name] as JsonArray ?? [];

    private static Dictionary<string, JsonNode?> Attributes(JsonNode? list, int depth = 0)
    {
        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (list is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item is JsonObject kv && Text(kv["key"]) is { } key)
                {
                    result[key] = Value(kv["value"], depth);
                }
            }
        }

        return result;
    }

    /// <summary>An <c>AnyValue</c>: <c>stringValue</c>, <c>boolValue</c>, <c>intValue</c>, <c>doubleValue</c>, <c>arrayValue</c>, <c>kvlistValue</c>, <c>bytesValue</c>.</summary>
    private static JsonNode? Value(JsonNode? node, int depth)
    {
        if (node is not JsonObject value || depth > MaxValueDepth)
        {
            return null;
        }

        if (value["stringValue"] is { } s)
        {
            return JsonValue.Create(Text(s));
        }

        if (value["boolValue"] is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return JsonValue.Create(b.GetValue<bool>());
        }

        if (value["intValue"] is { } i && Integer(i) is { } number)
        {
            return JsonValue.Create(number);
        }

        if (value["doubleValue"] is { } d)
        {
            return d is JsonValue dv && dv.TryGetValue<double>(out var x) ? JsonValue.Create(x)
                : double.TryParse(Text(d), NumberStyles.Float, CultureInfo.InvariantCulture, out x) && double.IsFinite(x) ? JsonValue.Create(x) : null;
        }

        if (value["arrayValue"]?["values"] is JsonArray items)
        {
            var array = new JsonArray();
            foreach (var item in items)
            {
                array.Add(Value(item, depth + 1));
            }

            return array;
        }

        if (value["kvlistValue"] is { } kvlist)
        {
            var obj = new JsonObject();
            foreach (var (key, item) in Attributes(kvlist["values"], depth + 1))
            {
                obj[key] = item;
            }

            return obj;
        }

        return value["bytesValue"] is { } bytes ? JsonValue.Create(Text(bytes)) : null;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    private static long? Integer(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<long>(out var n) => n,
        JsonValue v when v.TryGetValue<ulong>(out var u) => u > long.MaxValue ? long.MaxValue : (long)u,
        JsonValue v when v.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        JsonValue v when v.TryGetValue<string>(out var s) && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var u) => u > long.MaxValue ? long.MaxValue : (long)u,
        _ => null,
    };
}
