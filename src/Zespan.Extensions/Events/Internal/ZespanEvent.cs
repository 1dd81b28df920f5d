using System.Diagnostics;
using Zespan.Extensions.Tracing.Internal;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Zespan.Extensions.Events.Internal;

/// <summary>
/// One finished span, in the shape of the ingest protocol's EVENT (snake_case on the wire).
/// Built on the caller's thread, then owned by the export pipeline once enqueued: nothing
/// mutates it after <c>Enqueue</c> except the export thread (redaction, truncation).
/// </summary>
internal sealed partial class ZespanEvent
{
    /// <summary>
    /// The trace id. Kept as raw bits and turned into an <see cref="ActivityTraceId"/> (a hex string inside)
    /// only when read, normally by the serializer, so starting a span allocates no id strings
    /// (see ZespanEvent.Tracing.cs). Each read creates a new value; read it once where it matters.
    /// </summary>
    public partial ActivityTraceId TraceId { get; set; }

    /// <summary>The span id, stored like <see cref="TraceId"/>.</summary>
    public partial ActivitySpanId SpanId { get; set; }

    /// <summary>The parent span id, stored like <see cref="TraceId"/>; null for a root.</summary>
    public partial ActivitySpanId? ParentSpanId { get; set; }

    public string LogType { get; set; } = LogTypes.Custom;

    public string Name { get; set; } = string.Empty;

    public DateTimeOffset StartTime { get; set; }

    public DateTimeOffset EndTime { get; set; }

    /// <summary>Seconds, end minus start.</summary>
    public double Latency { get; set; }

    /// <summary>Seconds; streaming LLM calls only.</summary>
    public double? TimeToFirstToken { get; set; }

    public int StatusCode { get; set; } = 200;

    public ZespanError? Error { get; set; }

    public string? Environment { get; set; }

    public string? Provider { get; set; }

    public string? Model { get; set; }

    public string? ResponseModel { get; set; }

    public string? RequestedModel { get; set; }

    public bool Stream { get; set; }

    public IReadOnlyList<LlmMessage>? PromptMessages { get; set; }

    public LlmMessage? CompletionMessage { get; set; }

    public string? FinishReason { get; set; }

    public int? PromptTokens { get; set; }

    public int? CompletionTokens { get; set; }

    public int? TotalTokens { get; set; }

    /// <summary>The parts of <see cref="PromptTokens"/> the provider reports (cache reads and writes, audio).</summary>
    public PromptTokensDetails? PromptTokensDetails { get; set; }

    /// <summary>The parts of <see cref="CompletionTokens"/> the provider reports (reasoning, audio).</summary>
    public CompletionTokensDetails? CompletionTokensDetails { get; set; }

    public double? Cost { get; set; }

    /// <summary><c>provided</c>, <c>estimated</c> or <c>unpriced</c> (<see cref="CostStatuses"/>); null on events that are not model calls, or that have nothing to price.</summary>
    public string? CostStatus { get; set; }

    /// <summary>Which prices an estimated (or unpriced) cost was looked up in: the built-in table's version, <c>local</c> or <c>remote-{version}</c>.</summary>
    public string? PriceTableVersion { get; set; }

    public string? CustomerIdentifier { get; set; }

    public string? CustomerEmail { get; set; }

    public string? CustomerName { get; set; }

    public string? ThreadIdentifier { get; set; }

    /// <summary>
    /// Scope tags merged with span tags (inner wins). The getter always returns a dictionary this event owns;
    /// tags set while a span is open are kept inline and merged on first read (see ZespanEvent.Tracing.cs).
    /// </summary>
    public partial Dictionary<string, string>? Tags { get; set; }

    public Dictionary<string, JsonNode?>? Metadata { get; set; }

    public Dictionary<string, double>? EvalScores { get; set; }

    public AgentInfo? Agent { get; set; }

    public IReadOnlyList<string>? Plan { get; set; }

    public ToolInfo? Tool { get; set; }

    public HandoffInfo? Handoff { get; set; }

    public GuardrailInfo? Guardrail { get; set; }

    public bool Truncated { get; set; }

    public long? ConfigVersion { get; set; }
}

internal sealed record ZespanError(string Type, string Message);

internal sealed class AgentInfo
{
    public string Name { get; set; } = string.Empty;

    public string Role { get; set; } = "specialist";

    public string Framework { get; set; } = "custom";

    public IReadOnlyList<AgentTool>? Tools { get; set; }
}

internal sealed class ToolInfo
{
    public string Name { get; set; } = string.Empty;

    public JsonNode? Arguments { get; set; }

    public JsonNode? Result { get; set; }
}

internal sealed record HandoffInfo(string From, string To, string? Reason);

internal sealed class GuardrailInfo
{
    /// <summary><c>pre</c> or <c>post</c>.</summary>
    public string Phase { get; set; } = "pre";

    public bool Passed { get; set; }

    public IReadOnlyList<GuardrailResult> Results { get; set; } = [];
}
