using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// OpenAI chat completions, and the providers that speak it: Azure OpenAI, Mistral, Groq, OpenRouter,
/// LiteLLM, Gemini's OpenAI endpoint. Usage: <c>prompt_tokens</c> already counts cached input and
/// <c>completion_tokens</c> reasoning, so both are taken as they are; the breakdown is read by <see cref="ReadDetails"/>.
/// </summary>
internal static class OpenAIChatParser
{
    public static void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext ctx)
    {
        evt.Model ??= root.Str("model");
        if (root.Bool("stream") == true)
        {
            evt.Stream = true;
        }

        if (ctx.StorePrompts && root.TryArray("messages", out var messages))
        {
            evt.PromptMessages = ReadMessages(messages, ctx.Prompt);
        }
    }

    public static List<LlmMessage> ReadMessages(JsonElement messages, TextBudget budget)
    {
        var list = new List<LlmMessage>(messages.GetArrayLength());
        foreach (var message in messages.EnumerateArray())
        {
            var role = NormalizeRole(message.Str("role"));
            var content = message.TryProp("content", out var c) ? ContentText.FromOpenAIContent(c, budget) : null;
            if (content is null && message.Str("refusal") is { } refusal)
            {
                content = budget.Take(refusal);
            }

            var toolCalls = message.TryArray("tool_calls", out var calls) ? ReadToolCalls(calls, budget) : null;
            if (toolCalls is null && message.TryObject("function_call", out var functionCall))
            {
                toolCalls = [new LlmToolCall(string.Empty, functionCall.Str("name") ?? string.Empty, budget.Take(functionCall.TryProp("arguments", out var a) ? a.RawOrEmptyObject() : "{}") ?? "{}")];
            }

            var toolCallId = message.Str("tool_call_id");
            if (toolCallId is null && message.Str("role") == "function")
            {
                toolCallId = message.Str("name");
            }

            list.Add(new LlmMessage(role, content) { ToolCalls = toolCalls, ToolCallId = toolCallId });
        }

        return list;
    }

    public static IReadOnlyList<LlmToolCall>? ReadToolCalls(JsonElement calls, TextBudget budget)
    {
        if (calls.ValueKind != JsonValueKind.Array || calls.GetArrayLength() == 0)
        {
            return null;
        }

        var list = new List<LlmToolCall>(calls.GetArrayLength());
        foreach (var call in calls.EnumerateArray())
        {
            var function = call.TryObject("function", out var f) ? f : call;
            var arguments = function.TryProp("arguments", out var a) ? a.RawOrEmptyObject() : "{}";
            list.Add(new LlmToolCall(call.Str("id") ?? string.Empty, function.Str("name") ?? string.Empty, budget.Take(arguments) ?? "{}"));
        }

        return list;
    }

    public static void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext ctx)
    {
        evt.ResponseModel = root.Str("model") ?? evt.ResponseModel;
        if (root.TryArray("choices", out var choices) && FirstChoice(choices) is { } choice)
        {
            evt.FinishReason = FinishReasons.FromOpenAI(choice.Str("finish_reason"));
            if (ctx.StorePrompts && choice.TryObject("message", out var message))
            {
                var content = message.TryProp("content", out var c) ? ContentText.FromOpenAIContent(c, ctx.Completion) : null;
                if (string.IsNullOrEmpty(content) && message.Str("refusal") is { } refusal)
                {
                    content = ctx.Completion.Take(refusal);
                }

                var toolCalls = message.TryArray("tool_calls", out var calls) ? ReadToolCalls(calls, ctx.Completion) : null;
                evt.CompletionMessage = EventFields.Completion(content, toolCalls);
            }
        }

        ReadUsage(root, evt);
    }

    /// <summary>Reads <c>usage</c> (or Groq's <c>x_groq.usage</c>) and OpenRouter's <c>usage.cost</c>; false when there is none.</summary>
    public static bool ReadUsage(JsonElement root, ZespanEvent evt)
    {
        if (!root.TryObject("usage", out var usage))
        {
            if (!(root.TryObject("x_groq", out var groq) && groq.TryObject("usage", out usage)))
            {
                return false;
            }
        }

        ApplyUsage(usage, evt);
        return true;
    }

    /// <summary>Tokens, the usage object and OpenRouter's <c>cost</c> from a usage object.</summary>
    public static void ApplyUsage(JsonElement usage, ZespanEvent evt)
    {
        EventFields.SetTokens(evt, usage.Int("prompt_tokens"), usage.Int("completion_tokens"), usage.Int("total_tokens"));
        var (prompt, completion) = ReadDetails(usage);
        EventFields.SetDetails(evt, prompt, completion);
        EventFields.SetUsage(evt, usage.ToNode());
        if (usage.Double("cost") is { } cost)
        {
            evt.Cost = cost;
        }
    }

    /// <summary>
    /// The breakdown of an OpenAI-style usage object, whichever vendor wrote it (every part is inside
    /// <c>prompt_tokens</c> / <c>completion_tokens</c> already):
    /// <list type="bullet">
    /// <item><description>cache reads: <c>prompt_tokens_details.cached_tokens</c> (OpenAI, Azure, Groq, Mistral, OpenRouter, LiteLLM),
    /// else LiteLLM's top-level <c>cache_read_input_tokens</c>, else DeepSeek's <c>prompt_cache_hit_tokens</c>;</description></item>
    /// <item><description>cache writes: <c>prompt_tokens_details.cache_write_tokens</c> (OpenRouter), else LiteLLM's top-level
    /// <c>cache_creation_input_tokens</c>;</description></item>
    /// <item><description>audio: <c>prompt_tokens_details.audio_tokens</c>, <c>completion_tokens_details.audio_tokens</c>;</description></item>
    /// <item><description>reasoning: <c>completion_tokens_details.reasoning_tokens</c>.</description></item>
    /// </list>
    /// </summary>
    public static (PromptTokensDetails? Prompt, CompletionTokensDetails? Completion) ReadDetails(JsonElement usage)
    {
        int? cached = null, cacheWrite = null, audioIn = null, reasoning = null, audioOut = null;
        if (usage.TryObject("prompt_tokens_details", out var promptDetails))
        {
            cached = promptDetails.Int("cached_tokens");
            cacheWrite = promptDetails.Int("cache_write_tokens") ?? promptDetails.Int("cache_creation_tokens");
            audioIn = promptDetails.Int("audio_tokens");
        }

        cached ??= usage.Int("cache_read_input_tokens") ?? usage.Int("prompt_cache_hit_tokens");
        cacheWrite ??= usage.Int("cache_creation_input_tokens");
        if (usage.TryObject("completion_tokens_details", out var completionDetails))
        {
            reasoning = completionDetails.Int("reasoning_tokens");
            audioOut = completionDetails.Int("audio_tokens");
        }

        return (PromptTokensDetails.Of(cached, cacheWrite, audioIn), CompletionTokensDetails.Of(reasoning, audioOut));
    }

    public static string NormalizeRole(string? role) => role switch
    {
        "developer" => "system",
        "function" => "tool",
        null or "" => "user",
        _ => role,
    };

    private static JsonElement? FirstChoice(JsonElement choices)
    {
        JsonElement? first = null;
        foreach (var choice in choices.EnumerateArray())
        {
            if (choice.Int("index") is null or 0)
            {
                return choice;
            }

            first ??= choice;
        }

        return first;
    }

    /// <summary>Rebuilds a chat completion from <c>chat.completion.chunk</c> events (choice 0 only).</summary>
    internal sealed class StreamAccumulator(ParseContext ctx) : IStreamAccumulator
    {
        private const int ContentBufferLength = 256;
        private const int RootModel = 1, RootChoices = 2, RootUsage = 4, RootError = 8;
        private const int ChoiceIndex = 1, ChoiceFinish = 2, ChoiceDelta = 4;
        private const int DeltaContent = 1, DeltaRefusal = 2, DeltaToolCalls = 4;

        // The options JsonHelpers.TryParse reads a chunk with, so both paths accept the same JSON.
        private static readonly JsonReaderOptions ReaderOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };

        private readonly StringBuilder _text = new();
        private readonly ToolCallBuilder _toolCalls = new();
        private string? _model;
        private string? _finishReason;
        private JsonNode? _usage;
        private int? _prompt, _completion, _total;
        private PromptTokensDetails? _promptDetails;
        private CompletionTokensDetails? _completionDetails;
        private double? _cost;
        private ZespanError? _error;

        private bool _done;

        public int Chunks { get; private set; }

        /// <summary>Gets a value indicating whether <c>[DONE]</c> was seen, or a finish reason and the usage (vendors that end without <c>[DONE]</c>).</summary>
        public bool SawEnd => _done || _error is not null || (_finishReason is not null && _usage is not null);

        public void OnEvent(ReadOnlySpan<byte> eventType, ReadOnlyMemory<byte> data)
        {
            if (data.Span.SequenceEqual("[DONE]"u8))
            {
                _done = true;
                return;
            }

            if (TryReadContentChunk(data.Span))
            {
                return;
            }

            using var document = JsonHelpers.TryParse(data);
            if (document is null)
            {
                return;
            }

            Chunks++;
            var root = document.RootElement;
            if (ErrorReader.TryReadEmbedded(root) is { } error)
            {
                _error = error;
                return;
            }

            _model ??= root.Str("model");
            if (root.TryArray("choices", out var choices))
            {
                foreach (var choice in choices.EnumerateArray())
                {
                    if (choice.Int("index") is not (null or 0))
                    {
                        continue;
                    }

                    if (choice.Str("finish_reason") is { Length: > 0 } finish)
                    {
                        _finishReason = finish;
                    }

                    if (!ctx.StorePrompts || !choice.TryObject("delta", out var delta))
                    {
                        continue;
                    }

                    if (delta.TryProp("content", out var content) && content.ValueKind == JsonValueKind.String)
                    {
                        ctx.Completion.Append(_text, content.GetString());
                    }
                    else if (content.ValueKind == JsonValueKind.Array)
                    {
                        _text.Append(ContentText.FromOpenAIContent(content, ctx.Completion));
                    }
                    else if (delta.Str("refusal") is { Length: > 0 } refusal)
                    {
                        ctx.Completion.Append(_text, refusal);
                    }

                    if (delta.TryArray("tool_calls", out var calls))
                    {
                        var position = 0;
                        foreach (var call in calls.EnumerateArray())
                        {
                            var function = call.TryObject("function", out var f) ? f : default;
                            var arguments = function.TryProp("arguments", out var a) ? (a.ValueKind == JsonValueKind.String ? a.GetString() : a.GetRawText()) : null;
                            _toolCalls.Add(call.Int("index") ?? position, call.Str("id"), function.Str("name"), arguments, ctx.Completion);
                            position++;
                        }
                    }
                }
            }

            var hasUsage = root.TryObject("usage", out var usage);
            if (!hasUsage && root.TryObject("x_groq", out var groq) && groq.TryObject("usage", out usage))
            {
                hasUsage = true;
            }

            if (hasUsage)
            {
                _prompt = usage.Int("prompt_tokens");
                _completion = usage.Int("completion_tokens");
                _total = usage.Int("total_tokens");
                (_promptDetails, _completionDetails) = ReadDetails(usage);
                _usage = usage.ToNode();
                _cost = usage.Double("cost") ?? _cost;
            }
        }

        /// <summary>
        /// The common chunk in one <see cref="Utf8JsonReader"/> pass, without a <see cref="JsonDocument"/> or a string
        /// per text delta: an object with at most one choice whose delta holds text (or nothing), and no usage, error
        /// or tool calls. Anything else (or a repeated property, or JSON the reader rejects) returns false before any
        /// state changed, and the chunk is read as a document, so both paths give the same event.
        /// </summary>
        [System.Runtime.CompilerServices.SkipLocalsInit]
        private bool TryReadContentChunk(ReadOnlySpan<byte> data)
        {
            Span<char> buffer = stackalloc char[ContentBufferLength];
            try
            {
                return TryReadContentChunk(data, buffer);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
            {
                return false;
            }
        }

        private bool TryReadContentChunk(ReadOnlySpan<byte> data, Span<char> buffer)
        {
            var reader = new Utf8JsonReader(data, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            string? model = null;
            var choice = default(ChunkChoice);
            var seen = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.ValueTextEquals("model"u8) ? RootModel
                    : reader.ValueTextEquals("choices"u8) ? RootChoices
                    : reader.ValueTextEquals("usage"u8) ? RootUsage
                    : reader.ValueTextEquals("error"u8) ? RootError
                    : reader.ValueTextEquals("x_groq"u8) ? -1
                    : 0;
                if (property < 0 || (seen & property) != 0)
                {
                    return false; // Groq's usage, or a repeated property (a document keeps the last one)
                }

                seen |= property;
                reader.Read();
                switch (property)
                {
                    case RootModel when reader.TokenType == JsonTokenType.String:
                        model = _model is null ? reader.GetString() : null;
                        break;
                    case RootChoices when reader.TokenType == JsonTokenType.StartArray:
                        if (!TryReadChoices(ref reader, buffer, ref choice))
                        {
                            return false;
                        }

                        break;
                    case RootUsage when reader.TokenType == JsonTokenType.StartObject:
                    case RootError when reader.TokenType != JsonTokenType.Null:
                        return false;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false;
            }

            // Valid and understood: only now does the accumulator change.
            Chunks++;
            _model ??= model;
            if (choice.Active)
            {
                if (choice.FinishReason is { Length: > 0 } finish)
                {
                    _finishReason = finish;
                }

                if (ctx.StorePrompts && choice.HasDelta)
                {
                    if (choice.ContentIsText)
                    {
                        ctx.Completion.Append(_text, choice.ContentText is { } text ? text.AsSpan() : buffer[..choice.ContentLength]);
                    }
                    else if (choice.Refusal is { Length: > 0 } refusal)
                    {
                        ctx.Completion.Append(_text, refusal);
                    }
                }
            }

            return true;
        }

        private bool TryReadChoices(ref Utf8JsonReader reader, Span<char> buffer, ref ChunkChoice choice)
        {
            var objects = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip(); // not an object: a document reads nothing from it either
                    continue;
                }

                if (++objects > 1)
                {
                    return false; // several choices: the document path picks choice 0
                }

                int? index = null;
                var seen = 0;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var property = reader.ValueTextEquals("index"u8) ? ChoiceIndex
                        : reader.ValueTextEquals("finish_reason"u8) ? ChoiceFinish
                        : reader.ValueTextEquals("delta"u8) ? ChoiceDelta
                        : 0;
                    if ((seen & property) != 0)
                    {
                        return false;
                    }

                    seen |= property;
                    reader.Read();
                    switch (property)
                    {
                        case ChoiceIndex when reader.TokenType == JsonTokenType.Number:
                            if (!reader.TryGetInt32(out var value))
                            {
                                return false;
                            }

                            index = value;
                            break;
                        case ChoiceIndex when reader.TokenType == JsonTokenType.String:
                            return false; // a numeric string: the document path parses it
                        case ChoiceFinish when reader.TokenType == JsonTokenType.String:
                            choice.FinishReason = reader.GetString();
                            break;
                        case ChoiceDelta when reader.TokenType == JsonTokenType.StartObject:
                            choice.HasDelta = true;
                            if (!TryReadDelta(ref reader, buffer, ref choice))
                            {
                                return false;
                            }

                            break;
                        default:
                            reader.Skip();
                            break;
                    }
                }

                choice.Active = index is null or 0;
            }

            return true;
        }

        private bool TryReadDelta(ref Utf8JsonReader reader, Span<char> buffer, ref ChunkChoice choice)
        {
            var seen = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.ValueTextEquals("content"u8) ? DeltaContent
                    : reader.ValueTextEquals("refusal"u8) ? DeltaRefusal
                    : reader.ValueTextEquals("tool_calls"u8) ? DeltaToolCalls
                    : 0;
                if ((seen & property) != 0)
                {
                    return false;
                }

                seen |= property;
                reader.Read();
                switch (property)
                {
                    case DeltaContent when reader.TokenType == JsonTokenType.String:
                        choice.ContentIsText = true;
                        if (!ctx.StorePrompts)
                        {
                            break;
                        }

                        if (reader.HasValueSequence || reader.ValueSpan.Length > buffer.Length)
                        {
                            choice.ContentText = reader.GetString();
                        }
                        else
                        {
                            choice.ContentLength = reader.CopyString(buffer);
                        }

                        break;
                    case DeltaContent when reader.TokenType == JsonTokenType.StartArray:
                        return false; // content parts: the document path reads them
                    case DeltaRefusal when reader.TokenType == JsonTokenType.String:
                        choice.Refusal = ctx.StorePrompts ? reader.GetString() : null;
                        break;
                    case DeltaToolCalls when reader.TokenType == JsonTokenType.StartArray:
                        if (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            return false; // tool-call deltas: the document path merges them
                        }

                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            return true;
        }

        public void Complete(ZespanEvent evt)
        {
            evt.ResponseModel = _model ?? evt.ResponseModel;
            evt.FinishReason = FinishReasons.FromOpenAI(_finishReason);
            if (ctx.StorePrompts)
            {
                evt.CompletionMessage = EventFields.Completion(EventFields.NullIfEmpty(_text), _toolCalls.Build());
            }

            EventFields.SetTokens(evt, _prompt, _completion, _total);
            if (_usage is not null)
            {
                EventFields.SetDetails(evt, _promptDetails, _completionDetails);
            }

            EventFields.SetUsage(evt, _usage);
            evt.Cost = _cost ?? evt.Cost;
            if (_error is not null)
            {
                evt.Error = _error;
                evt.FinishReason = FinishReasons.Error;
            }
        }

        /// <summary>What the reader pass took from a chunk's choice, applied only once the whole chunk was read.</summary>
        private struct ChunkChoice
        {
            public bool Active;
            public bool HasDelta;
            public bool ContentIsText;
            public int ContentLength;
            public string? ContentText;
            public string? FinishReason;
            public string? Refusal;
        }
    }
}
