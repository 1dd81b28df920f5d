using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>Source-generated JSON for everything the SDK writes or reads on the wire (snake_case).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(TraceIdConverter), typeof(SpanIdConverter), typeof(Rfc3339Converter)])]
[JsonSerializable(typeof(ZespanEvent))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(Dictionary<string, JsonNode?>))]
internal sealed partial class ZespanJsonContext : JsonSerializerContext
{
    /// <summary>Writes a time as RFC 3339 UTC with microseconds (<c>2026-11-21T23:00:00.123456Z</c>).</summary>
    public static string FormatTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>The protocol's error body: <c>{"error": {"type": "...", "message": "..."}}</c>.</summary>
internal sealed class ErrorEnvelope
{
    public ErrorBody? Error { get; set; }

    internal sealed class ErrorBody
    {
        public string? Type { get; set; }

        public string? Message { get; set; }
    }
}

internal sealed class TraceIdConverter : JsonConverter<ActivityTraceId>
{
    public override ActivityTraceId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ActivityTraceId.CreateFromString(reader.GetString());

    public override void Write(Utf8JsonWriter writer, ActivityTraceId value, JsonSerializerOptions options)
    {
        // Formats on the stack: ToHexString() would allocate a string per id.
        Span<byte> raw = stackalloc byte[16];
        value.CopyTo(raw);
        Span<char> hex = stackalloc char[32];
        Convert.TryToHexStringLower(raw, hex, out _);
        writer.WriteStringValue(hex);
    }
}

internal sealed class SpanIdConverter : JsonConverter<ActivitySpanId>
{
    public override ActivitySpanId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ActivitySpanId.CreateFromString(reader.GetString());

    public override void Write(Utf8JsonWriter writer, ActivitySpanId value, JsonSerializerOptions options)
    {
        // Formats on the stack: ToHexString() would allocate a string per id.
        Span<byte> raw = stackalloc byte[8];
        value.CopyTo(raw);
        Span<char> hex = stackalloc char[16];
        Convert.TryToHexStringLower(raw, hex, out _);
        writer.WriteStringValue(hex);
    }
}

internal sealed class Rfc3339Converter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<byte> buffer = stackalloc byte[32];
        var utc = value.UtcDateTime;
        if (utc.TryFormat(buffer, out var written, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture))
        {
            writer.WriteStringValue(buffer[..written]);
        }
        else
        {
            writer.WriteStringValue(ZespanJsonContext.FormatTime(value));
        }
    }
}
