using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Gemini <c>generateContent</c> / <c>streamGenerateContent</c> (Google AI and Vertex AI). The model is in
/// the URL path. <c>prompt_tokens</c> = <c>promptTokenCount</c> + <c>toolUsePromptTokenCount</c>;
/// <c>completion_tokens</c> = <c>candidatesTokenCount</c> + <c>thoughtsTokenCount</c>. <c>promptTokenCount</c> already
/// counts <c>cachedContentTokenCount</c> (the cache read); reasoning is <c>thoughtsTokenCount</c>; audio comes from the
/// <c>AUDIO</c> entries of <c>promptTokensDetails</c> and <c>candidatesTokensDetails</c>. Only the first candidate is read.
/// </summary>
internal static class GeminiParser
{
    public static void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext ctx)
    {
        // Vertex requests may name the model in the body; the path wins (set before this runs).
        evt.Model ??= root.Str("model");
        if (!ctx.StorePrompts)
        {
            return;
        }

        var messages = new List<LlmMessage>();
        if ((root.TryObject("systemInstruction", out var system) || root.TryObject("system_instruction", out system))
            && system.TryProp("parts", out var systemParts)
            && ContentText.FromGeminiParts(systemParts, ctx.Prompt, skipThoughts: true) is { } systemText)
        {
            messages.Add(new LlmMessage("system", systemText));
        }

        if (root.TryArray("contents", out var contents))
        {
            foreach (var content in contents.EnumerateArray())
            {
                AddContent(messages, content, ctx.Prompt);
            }
        }

        evt.PromptMessages = messages;
    }

    private static void AddContent(List<LlmMessage> messages, JsonElement content, TextBudget budget)
    {
        var role = content.Str("role") switch
        {
            "model" => "assistant",
            "function" or "tool" => "tool",
            null or "" => "user",
            var other => other,
        };
        var parts = content.TryArray("parts", out var p) ? p : default;
        List<LlmToolCall>? toolCalls = null;
        var hasText = false;
        if (parts.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in parts.EnumerateArray())
            {
                if (part.TryObject("functionCall", out var call) || part.TryObject("function_call", out call))
                {
                    (toolCalls ??= []).Add(ToolCall(call, budget));
                }
                else if (part.TryObject("functionResponse", out var response) || part.TryObject("function_response", out response))
                {
                    var result = response.TryProp("response", out var r) ? budget.Take(r.GetRawText()) : null;
                    messages.Add(new LlmMessage("tool", result) { ToolCallId = response.Str("id") ?? response.Str("name") });
                }
                else
                {
                    hasText = true;
                }
            }
        }

        var text = hasText ? ContentText.FromGeminiParts(parts, budget, skipThoughts: true) : null;
        if (text is not null || toolCalls is not null)
        {
            messages.Add(new LlmMessage(role, text) { ToolCalls = toolCalls });
        }
    }

    /// <summary>A Gemini function call; Gemini matches calls to responses by name, so the name stands in for a missing id.</summary>
    private static LlmToolCall ToolCall(JsonElement call, TextBudget budget)
    {
        var name = call.Str("name") ?? string.Empty;
        return new LlmToolCall(call.Str("id") ?? name, name, budget.Take(call.TryProp("args", out var args) ? args.RawOrEmptyObject() : "{}") ?? "{}");
    }

    public static void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext ctx)
    {
        var accumulator = new StreamAccumulator(ctx);
        if (root.ValueKind == JsonValueKind.Array)
        {
            // A streamGenerateContent body captured whole: read every element as a chunk.
            foreach (var chunk in root.EnumerateArray())
            {
                accumulator.OnChunk(chunk);
            }
        }
        else
        {
            accumulator.OnChunk(root);
        }

        accumulator.Complete(evt);
    }

    /// <summary>Tokens and the usage object from a <c>usageMetadata</c> object.</summary>
    public static void ReadUsage(JsonElement usage, ZespanEvent evt)
    {
        EventFields.SetTokens(evt, JsonHelpers.Sum(usage.Int("promptTokenCount"), usage.Int("toolUsePromptTokenCount")), JsonHelpers.Sum(usage.Int("candidatesTokenCount"), usage.Int("thoughtsTokenCount")), usage.Int("totalTokenCount"));
        var (prompt, completion) = ReadDetails(usage);
        EventFields.SetDetails(evt, prompt, completion);
        EventFields.SetUsage(evt, usage.ToNode());
    }

    /// <summary>The breakdown of a <c>usageMetadata</c> object: cache reads, reasoning and audio.</summary>
    public static (PromptTokensDetails? Prompt, CompletionTokensDetails? Completion) ReadDetails(JsonElement usage) =>
        (PromptTokensDetails.Of(usage.Int("cachedContentTokenCount"), null, AudioOf(usage, "promptTokensDetails")),
         CompletionTokensDetails.Of(usage.Int("thoughtsTokenCount"), AudioOf(usage, "candidatesTokensDetails")));

    /// <summary>The <c>tokenCount</c> of the <c>AUDIO</c> entry of a modality breakdown, if any.</summary>
    private static int? AudioOf(JsonElement usage, string name)
    {
        if (!usage.TryArray(name, out var entries))
        {
            return null;
        }

        foreach (var entry in entries.EnumerateArray())
        {
            if (string.Equals(entry.Str("modality"), "AUDIO", StringComparison.OrdinalIgnoreCase))
            {
                return entry.Int("tokenCount");
            }
        }

        return null;
    }

    /// <summary>Reads one response, or the chunks of a stream (each chunk is a partial response).</summary>
    internal sealed class StreamAccumulator(ParseContext ctx) : IStreamAccumulator
    {
        private readonly StringBuilder _text = new();
        private readonly List<LlmToolCall> _toolCalls = [];
        private bool _hasFunctionCall;
        private string? _finishReason;
        private string? _blockReason;
        private string? _model;
        private JsonNode? _usage;
        private int? _prompt, _completion, _total;
        private PromptTokensDetails? _promptDetails;
        private CompletionTokensDetails? _completionDetails;
        private ZespanError? _error;

        /// <summary>Gets a value indicating whether the final chunk (the one with a finish or block reason) or an error was seen.</summary>
        public bool SawEnd => _finishReason is not null || _blockReason is not null || _error is not null;

        public void OnEvent(ReadOnlySpan<byte> eventType, ReadOnlyMemory<byte> data)
        {
            using var document = JsonHelpers.TryParse(data);
            if (document is not null)
            {
                OnChunk(document.RootElement);
            }
        }

        public void OnChunk(JsonElement root)
        {
            if (ErrorReader.TryReadEmbedded(root) is { } error)
            {
                _error = error;
                return;
            }

            _model = root.Str("modelVersion") ?? _model;
            if (root.TryObject("promptFeedback", out var feedback) && feedback.Str("blockReason") is { Length: > 0 } block)
            {
                _blockReason = block;
            }

            if (root.TryArray("candidates", out var candidates))
            {
                foreach (var candidate in candidates.EnumerateArray())
                {
                    if (candidate.Int("index") is not (null or 0))
                    {
                        continue;
                    }

                    if (candidate.Str("finishReason") is { Length: > 0 } finish)
                    {
                        _finishReason = finish;
                    }

                    if (candidate.TryObject("content", out var content) && content.TryArray("parts", out var parts))
                    {
                        foreach (var part in parts.EnumerateArray())
                        {
                            if (part.TryObject("functionCall", out var call))
                            {
                                _hasFunctionCall = true;
                                if (ctx.StorePrompts)
                                {
                                    _toolCalls.Add(ToolCall(call, ctx.Completion));
                                }
                            }
                        }

                        if (ctx.StorePrompts && ContentText.FromGeminiParts(parts, ctx.Completion, skipThoughts: true) is { } text)
                        {
                            _text.Append(text);
                        }
                    }

                    break;
                }
            }

            if (root.TryObject("usageMetadata", out var usage))
            {
                _prompt = JsonHelpers.Sum(usage.Int("promptTokenCount"), usage.Int("toolUsePromptTokenCount"));
                _completion = JsonHelpers.Sum(usage.Int("candidatesTokenCount"), usage.Int("thoughtsTokenCount"));
                _total = usage.Int("totalTokenCount");
                (_promptDetails, _completionDetails) = ReadDetails(usage);
                _usage = usage.ToNode();
            }
        }

        public void Complete(ZespanEvent evt)
        {
            evt.ResponseModel = _model ?? evt.ResponseModel;
            evt.FinishReason = _blockReason is not null && _finishReason is null
                ? FinishReasons.ContentFilter
                : FinishReasons.FromGemini(_finishReason, _hasFunctionCall);
            if (ctx.StorePrompts)
            {
                evt.CompletionMessage = EventFields.Completion(EventFields.NullIfEmpty(_text), _toolCalls.Count > 0 ? _toolCalls : null);
            }

            // totalTokenCount already holds every part; it is kept when present.
            EventFields.SetTokens(evt, _prompt, _completion, _total ?? JsonHelpers.Sum(_prompt, _completion));
            if (_usage is not null)
            {
                EventFields.SetDetails(evt, _promptDetails, _completionDetails);
            }

            EventFields.SetUsage(evt, _usage);
            if (_blockReason is not null)
            {
                EventFields.SetMetadata(evt, "block_reason", _blockReason);
            }

            if (_error is not null)
            {
                evt.Error = _error;
                evt.FinishReason = FinishReasons.Error;
            }
        }
    }
}
