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
    // Fields that only some events set live in parts created on first write (a plain span leaves both null),
    // which keeps a span's event at about half the size it would have with every field inline.
    private LlmFields? _llm;
    private ExtraFields? _extras;

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
    public double? TimeToFirstToken
    {
        get => _llm?.TimeToFirstToken;
        set
        {
            if (LlmFor(value.HasValue) is { } part)
            {
                part.TimeToFirstToken = value;
            }
        }
    }

    public int StatusCode { get; set; } = 200;

    public ZespanError? Error { get; set; }

    public string? Environment { get; set; }

    public string? Provider
    {
        get => _llm?.Provider;
        set
        {
            if (LlmFor(value is not null) is { } part)
            {
                part.Provider = value;
            }
        }
    }

    public string? Model
    {
        get => _llm?.Model;
        set
        {
            if (LlmFor(value is not null) is { } part)
            {
                part.Model = value;
            }
        }
    }

    public string? ResponseModel
    {
        get => _llm?.ResponseModel;
        set
        {
            if (LlmFor(value is not null) is { } part)
            {
                part.ResponseModel = value;
            }
        }
    }

    public string? RequestedModel
    {
        get => _llm?.RequestedModel;
        set
        {
            if (LlmFor(value is not null) is { } part)
            {
                part.RequestedModel = value;
            }
        }
    }

    public bool Stream
    {
        get => _llm?.Stream ?? false;
        set
        {
            if (LlmFor(value) is { } part)
            {
                part.Stream = value;
            }
        }
    }

    public IReadOnlyList<LlmMessage>? PromptMessages
    {
        get => _llm?.PromptMessages;
        set
        {
            if (LlmFor(value is not null) is { } part)
            {
                part.PromptMessages = value;
            }
        }
    }

    public LlmMessage? CompletionMessage
    {
        get => _llm?.CompletionMessage;
        set
        {
            if (LlmFor(value is not null) is { } part)
            {
                part.CompletionMessage = value;
            }
        }
    }

    public string? FinishReason
    {
        get => _llm?.FinishReason;
        set
        {
            if (LlmFor(value is not null) is { } part)
            {
                part.FinishReason = value;
            }
        }
    }

    public int? PromptTokens
    {
        get => _llm?.PromptTokens;
        set
        {
            if (LlmFor(value.HasValue) is { } part)
            {
                part.PromptTokens = value;
            }
        }
    }

    public int? CompletionTokens
    {
        get => _llm?.CompletionTokens;
        set
        {
            if (LlmFor(value.HasValue) is { } part)
            {
                part.CompletionTokens = value;
            }
        }
    }

    public int? TotalTokens
    {
        get => _llm?.TotalTokens;
        set
        {
            if (LlmFor(value.HasValue) is { } part)
            {
                part.TotalTokens = value;
            }
        }
    }

    /// <summary>The parts of <see cref="PromptTokens"/> the provider reports (cache reads and writes, audio).</summary>
    public PromptTokensDetails? PromptTokensDetails
    {
        get => _llm?.PromptTokensDetails;
        set
        {
            if (LlmFor(value is not null) is { } part)
            {
                part.PromptTokensDetails = value;
            }
        }
    }

    /// <summary>The parts of <see cref="CompletionTokens"/> the provider reports (reasoning, audio).</summary>
    public CompletionTokensDetails? CompletionTokensDetails
    {
        get => _llm?.CompletionTokensDetails;
        set
        {
            if (LlmFor(value is not null) is { } part)
            {
                part.CompletionTokensDetails = value;
            }
        }
    }

    public double? Cost
    {
        get => _llm?.Cost;
        set
        {
            if (LlmFor(value.HasValue) is { } part)
            {
                part.Cost = value;
            }
        }
    }

    /// <summary><c>provided</c>, <c>estimated</c> or <c>unpriced</c> (<see cref="CostStatuses"/>); null on events that are not model calls, or that have nothing to price.</summary>
    public string? CostStatus
    {
        get => _llm?.CostStatus;
        set
        {
            if (LlmFor(value is not null) is { } part)
            {
                part.CostStatus = value;
            }
        }
    }

    /// <summary>Which prices an estimated (or unpriced) cost was looked up in: the built-in table's version, <c>local</c> or <c>remote-{version}</c>.</summary>
    public string? PriceTableVersion
    {
        get => _llm?.PriceTableVersion;
        set
        {
            if (LlmFor(value is not null) is { } part)
            {
                part.PriceTableVersion = value;
            }
        }
    }

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

    public Dictionary<string, double>? EvalScores
    {
        get => _extras?.EvalScores;
        set
        {
            if (ExtrasFor(value is not null) is { } part)
            {
                part.EvalScores = value;
            }
        }
    }

    public AgentInfo? Agent
    {
        get => _extras?.Agent;
        set
        {
            if (ExtrasFor(value is not null) is { } part)
            {
                part.Agent = value;
            }
        }
    }

    public IReadOnlyList<string>? Plan
    {
        get => _extras?.Plan;
        set
        {
            if (ExtrasFor(value is not null) is { } part)
            {
                part.Plan = value;
            }
        }
    }

    public ToolInfo? Tool
    {
        get => _extras?.Tool;
        set
        {
            if (ExtrasFor(value is not null) is { } part)
            {
                part.Tool = value;
            }
        }
    }

    public HandoffInfo? Handoff
    {
        get => _extras?.Handoff;
        set
        {
            if (ExtrasFor(value is not null) is { } part)
            {
                part.Handoff = value;
            }
        }
    }

    public GuardrailInfo? Guardrail
    {
        get => _extras?.Guardrail;
        set
        {
            if (ExtrasFor(value is not null) is { } part)
            {
                part.Guardrail = value;
            }
        }
    }

    public bool Truncated { get; set; }

    public long? ConfigVersion { get; set; }

    private LlmFields? LlmFor(bool create) => create ? _llm ??= new LlmFields() : _llm;

    private ExtraFields? ExtrasFor(bool create) => create ? _extras ??= new ExtraFields() : _extras;

    /// <summary>The fields only a model call sets, apart: a span that is not a model call does not carry their room.</summary>
    private sealed class LlmFields
    {
        public double? TimeToFirstToken;
        public string? Provider;
        public string? Model;
        public string? ResponseModel;
        public string? RequestedModel;
        public bool Stream;
        public IReadOnlyList<LlmMessage>? PromptMessages;
        public LlmMessage? CompletionMessage;
        public string? FinishReason;
        public int? PromptTokens;
        public int? CompletionTokens;
        public int? TotalTokens;
        public PromptTokensDetails? PromptTokensDetails;
        public CompletionTokensDetails? CompletionTokensDetails;
        public double? Cost;
        public string? CostStatus;
        public string? PriceTableVersion;
    }

    /// <summary>The fields of agents, tools, plans, handoffs, guardrail checks and evaluation scores.</summary>
    private sealed class ExtraFields
    {
        public Dictionary<string, double>? EvalScores;
        public AgentInfo? Agent;
        public IReadOnlyList<string>? Plan;
        public ToolInfo? Tool;
        public HandoffInfo? Handoff;
        public GuardrailInfo? Guardrail;
    }
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
