using System.Text.Json.Nodes;

namespace Zespan.DevServer.Otlp;

/// <summary>One span of an OTLP trace export, read from protobuf or JSON; attribute values are JSON values.</summary>
internal sealed class OtlpSpan
{
    public string TraceId { get; set; } = string.Empty;

    public string SpanId { get; set; } = string.Empty;

    public string? ParentSpanId { get; set; }

    public string Name { get; set; } = string.Empty;

    public int Kind { get; set; }

    public ulong StartNanos { get; set; }

    public ulong EndNanos { get; set; }

    public Dictionary<string, JsonNode?> Attributes { get; } = new(StringComparer.Ordinal);

    public List<OtlpSpanEvent> Events { get; } = [];

    /// <summary>Gets or sets the status code: 0 unset, 1 ok, 2 error.</summary>
    public int StatusCode { get; set; }

    public string? StatusMessage { get; set; }

    /// <summary>Gets or sets the attributes of the resource that sent the span (<c>service.name</c>, <c>deployment.environment.name</c>).</summary>
    public IReadOnlyDictionary<string, JsonNode?> Resource { get; set; } = new Dictionary<string, JsonNode?>();

    public string? ScopeName { get; set; }
}

/// <summary>A span event (<c>exception</c>, or the older GenAI message events).</summary>
internal sealed class OtlpSpanEvent
{
    public string Name { get; set; } = string.Empty;

    public ulong TimeNanos { get; set; }

    public Dictionary<string, JsonNode?> Attributes { get; } = new(StringComparer.Ordinal);
}
