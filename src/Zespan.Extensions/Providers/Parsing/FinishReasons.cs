namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Maps each provider's stop reason onto the event's normalised <c>finish_reason</c>:
/// <c>stop</c>, <c>length</c>, <c>tool_calls</c>, <c>content_filter</c> or <c>error</c>. A value no rule
/// knows is kept as the provider wrote it (lower-cased), so nothing is lost.
/// </summary>
internal static class FinishReasons
{
    public const string Stop = "stop";
    public const string Length = "length";
    public const string ToolCalls = "tool_calls";
    public const string ContentFilter = "content_filter";
    public const string Error = "error";

    /// <summary>OpenAI chat completions and the OpenAI-compatible providers.</summary>
    public static string? FromOpenAI(string? reason) => reason switch
    {
        null or "" => null,
        "stop" or "end_turn" or "eos" => Stop,
        "length" or "max_tokens" or "model_length" => Length,
        "tool_calls" or "function_call" or "tool_use" => ToolCalls,
        "content_filter" => ContentFilter,
        "error" => Error,
        _ => reason.ToLowerInvariant(),
    };

    /// <summary>Anthropic <c>stop_reason</c>.</summary>
    public static string? FromAnthropic(string? reason) => reason switch
    {
        null or "" => null,
        "end_turn" or "stop_sequence" or "pause_turn" => Stop,
        "max_tokens" or "model_context_window_exceeded" => Length,
        "tool_use" => ToolCalls,
        "refusal" => ContentFilter,
        _ => reason.ToLowerInvariant(),
    };

    /// <summary>Gemini <c>finishReason</c>; <c>STOP</c> with a function call in the candidate means tool calls.</summary>
    public static string? FromGemini(string? reason, bool hasFunctionCall) => reason switch
    {
        null or "" or "FINISH_REASON_UNSPECIFIED" => hasFunctionCall ? ToolCalls : null,
        "STOP" => hasFunctionCall ? ToolCalls : Stop,
        "MAX_TOKENS" => Length,
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY" or "IMAGE_PROHIBITED_CONTENT" or "IMAGE_RECITATION" => ContentFilter,
        "MALFORMED_FUNCTION_CALL" or "UNEXPECTED_TOOL_CALL" => Error,
        _ => reason.ToLowerInvariant(),
    };

    /// <summary>Bedrock Converse <c>stopReason</c>.</summary>
    public static string? FromBedrock(string? reason) => reason switch
    {
        null or "" => null,
        "end_turn" or "stop_sequence" => Stop,
        "max_tokens" or "model_context_window_exceeded" => Length,
        "tool_use" => ToolCalls,
        "guardrail_intervened" or "content_filtered" => ContentFilter,
        _ => reason.ToLowerInvariant(),
    };

    /// <summary>
    /// Stop reasons of the other model families' InvokeModel bodies (Llama <c>stop_reason</c>, Titan
    /// <c>completionReason</c>, Mistral <c>outputs[].stop_reason</c>, Cohere <c>finish_reason</c>).
    /// </summary>
    public static string? FromBedrockNative(string? reason) => reason switch
    {
        null or "" => null,
        "stop" or "FINISH" or "COMPLETE" or "end_turn" or "stop_sequence" => Stop,
        "length" or "LENGTH" or "MAX_TOKENS" or "max_tokens" => Length,
        "CONTENT_FILTERED" or "ERROR_TOXIC" => ContentFilter,
        "tool_calls" or "tool_use" => ToolCalls,
        _ => reason.ToLowerInvariant(),
    };

    /// <summary>
    /// The OpenAI Responses API: <c>completed</c> is stop (tool calls when the output asks for any),
    /// <c>incomplete</c> follows <c>incomplete_details.reason</c>, <c>failed</c> is error.
    /// </summary>
    public static string? FromResponsesStatus(string? status, string? incompleteReason, bool hasToolCalls) => status switch
    {
        "completed" => hasToolCalls ? ToolCalls : Stop,
        "incomplete" => incompleteReason switch
        {
            "max_output_tokens" => Length,
            "content_filter" => ContentFilter,
            null or "" => Length,
            _ => incompleteReason,
        },
        "failed" => Error,
        "cancelled" => "cancelled",
        _ => null,
    };
}
