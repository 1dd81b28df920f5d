using System.Text.Json.Serialization;

namespace Zespan.Extensions.Guardrails.Internal;

internal sealed class GuardrailCheckBody
{
    public string Phase { get; set; } = "pre";

    public string? Provider { get; set; }

    public string? Model { get; set; }

    public string? Environment { get; set; }

    public string? TraceId { get; set; }

    public string? SpanId { get; set; }

    public IReadOnlyList<LlmMessage> Messages { get; set; } = [];

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public LlmMessage? Completion { get; set; }
}

internal sealed class GuardrailAnswer
{
    public bool? Passed { get; set; }

    public List<GuardrailAnswerResult>? Results { get; set; }
}

internal sealed class GuardrailAnswerResult
{
    public string? Policy { get; set; }

    public bool Passed { get; set; }

    public string? Action { get; set; }

    public string? Reason { get; set; }

    public string? ModifiedText { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GuardrailCheckBody))]
[JsonSerializable(typeof(GuardrailAnswer))]
internal sealed partial class GuardrailJsonContext : JsonSerializerContext;
