using System.Text;
using System.Text.Json;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Bedrock InvokeModel and InvokeModelWithResponseStream: the body is the model family's own format.
/// Anthropic bodies are read in full; Nova (Converse-shaped) and OpenAI-shaped bodies through those
/// parsers; other families (Llama, Titan, Mistral, Cohere) for their text and stop reason. Tokens that a
/// body does not give come from the <c>X-Amzn-Bedrock-Input-Token-Count</c> / <c>-Output-Token-Count</c>
/// headers or the stream's <c>amazon-bedrock-invocationMetrics</c>.
/// </summary>
internal static class BedrockInvokeParser
{
    public static bool IsAnthropicModel(string? model) =>
        model is not null && (model.Contains("anthropic", StringComparison.OrdinalIgnoreCase) || model.Contains("claude", StringComparison.OrdinalIgnoreCase));

    public static void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext ctx)
    {
        if (IsAnthropicModel(evt.Model) || root.TryProp("anthropic_version", out _))
        {
            AnthropicMessagesParser.ReadRequest(root, evt, ctx);
            return;
        }

        if (!ctx.StorePrompts)
        {
            return;
        }

        var messages = new List<LlmMessage>();
        if (root.TryProp("system", out var system))
        {
            var text = system.ValueKind == JsonValueKind.String ? ctx.Prompt.Take(system.GetString()) : ContentText.FromBedrockBlocks(system, ctx.Prompt);
            if (text is not null)
            {
                messages.Add(new LlmMessage("system", text));
            }
        }

        if (root.TryArray("messages", out var list))
        {
            var openAIShaped = false;
            foreach (var message in list.EnumerateArray())
            {
                openAIShaped = message.TryProp("content", out var content) && (content.ValueKind == JsonValueKind.String || IsTypedParts(content));
                break;
            }

            if (openAIShaped)
            {
                messages.AddRange(OpenAIChatParser.ReadMessages(list, ctx.Prompt));
            }
            else
            {
                foreach (var message in list.EnumerateArray())
                {
                    var role = message.Str("role") ?? "user";
                    messages.Add(new LlmMessage(role, message.TryProp("content", out var content) ? ContentText.FromBedrockBlocks(content, ctx.Prompt) : null));
                }
            }
        }
        else if ((root.Str("prompt") ?? root.Str("inputText") ?? root.Str("message")) is { } prompt)
        {
            messages.Add(new LlmMessage("user", ctx.Prompt.Take(prompt)));
        }

        evt.PromptMessages = messages;
    }

    public static void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext ctx)
    {
        if (root.Str("type") == "message" || (root.TryArray("content", out var content) && IsTypedParts(content)))
        {
            AnthropicMessagesParser.ReadResponse(root, evt, ctx);
            return;
        }

        if (root.TryObject("output", out _))
        {
            BedrockConverseParser.ReadResponse(root, evt, ctx); // Amazon Nova
            return;
        }

        if (root.TryArray("choices", out _))
        {
            OpenAIChatParser.ReadResponse(root, evt, ctx);
            return;
        }

        var generic = new NativeAccumulator(ctx);
        generic.OnChunk(root);
        generic.Complete(evt);
    }

    private static bool IsTypedParts(JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var part in content.EnumerateArray())
        {
            return part.TryProp("type", out _);
        }

        return false;
    }

    /// <summary>The text, stop reason and token counts of the other model families' bodies and stream chunks.</summary>
    private sealed class NativeAccumulator(ParseContext ctx)
    {
        private readonly StringBuilder _text = new();
        private string? _stop;
        private int? _prompt;
        private int? _completion;

        public bool Seen { get; private set; }

        /// <summary>Gets a value indicating whether a stop reason was seen.</summary>
        public bool Stopped => _stop is not null;

        public void OnChunk(JsonElement root)
        {
            Seen = true;
            var text = root.Str("generation") ?? root.Str("outputText") ?? root.Str("completion") ?? root.Str("text");
            var stop = root.Str("stop_reason") ?? root.Str("completionReason") ?? root.Str("finish_reason");
            if (text is null && root.TryArray("outputs", out var outputs) && outputs.GetArrayLength() > 0)
            {
                text = outputs[0].Str("text");
                stop ??= outputs[0].Str("stop_reason");
            }

            if (text is null && root.TryArray("results", out var results) && results.GetArrayLength() > 0)
            {
                text = results[0].Str("outputText");
                stop ??= results[0].Str("completionReason");
                _completion = results[0].Int("tokenCount") ?? _completion;
            }

            if (text is null && root.TryArray("generations", out var generations) && generations.GetArrayLength() > 0)
            {
                text = generations[0].Str("text");
                stop ??= generations[0].Str("finish_reason");
            }

            if (text is null && root.TryObject("contentBlockDelta", out var blockDelta) && blockDelta.TryObject("delta", out var delta))
            {
                text = delta.Str("text"); // Nova native stream
            }

            if (root.TryObject("messageStop", out var messageStop))
            {
                stop ??= messageStop.Str("stopReason");
            }

            if (root.TryArray("choices", out var choices) && choices.GetArrayLength() > 0)
            {
                var choice = choices[0];
                text ??= choice.TryObject("delta", out var d) ? d.Str("content") : choice.TryObject("message", out var m) ? m.Str("content") : null;
                stop ??= choice.Str("finish_reason");
            }

            if (ctx.StorePrompts)
            {
                ctx.Completion.Append(_text, text);
            }

            _stop = stop ?? _stop;
            _prompt = root.Int("prompt_token_count") ?? root.Int("inputTextTokenCount") ?? _prompt;
            _completion = root.Int("generation_token_count") ?? _completion;
        }

        public void Complete(ZespanEvent evt)
        {
            evt.FinishReason = FinishReasons.FromBedrockNative(_stop);
            if (ctx.StorePrompts)
            {
                evt.CompletionMessage = EventFields.Completion(EventFields.NullIfEmpty(_text), null);
            }

            if (_prompt is not null || _completion is not null)
            {
                EventFields.SetTokens(evt, _prompt, _completion, null);
            }
        }
    }

    /// <summary>
    /// Rebuilds an InvokeModelWithResponseStream response: each <c>chunk</c> event's payload is
    /// <c>{"bytes": "&lt;base64 JSON&gt;"}</c>; for Anthropic models the JSON is an Anthropic stream event.
    /// The last chunk carries <c>amazon-bedrock-invocationMetrics</c> with the token counts.
    /// </summary>
    internal sealed class StreamAccumulator(ParseContext ctx) : IEventStreamAccumulator
    {
        private readonly AnthropicMessagesParser.StreamAccumulator _anthropic = new(ctx);
        private readonly NativeAccumulator _native = new(ctx);
        private int? _metricInput;
        private int? _metricOutput;
        private int? _metricCacheRead;
        private int? _metricCacheWrite;
        private ZespanError? _error;

        public int Chunks { get; private set; }

        /// <summary>Gets a value indicating whether the last chunk (<c>amazon-bedrock-invocationMetrics</c>), the model's own end event or an exception was seen.</summary>
        public bool SawEnd => _metricInput is not null || _metricOutput is not null || _error is not null || _anthropic.SawEnd || _native.Stopped;

        public void OnMessage(in EventStreamMessage message)
        {
            if (!message.MessageType.SequenceEqual("event"u8))
            {
                _error = BedrockConverseParser.StreamError(message);
                return;
            }

            if (!message.EventType.SequenceEqual("chunk"u8))
            {
                return;
            }

            using var envelope = JsonHelpers.TryParse(message.Payload);
            if (envelope is null || !envelope.RootElement.TryProp("bytes", out var bytes) || bytes.ValueKind != JsonValueKind.String
                || !bytes.TryGetBytesFromBase64(out var decoded))
            {
                return;
            }

            using var document = JsonHelpers.TryParse(decoded.AsMemory());
            if (document is null)
            {
                return;
            }

            Chunks++;
            var root = document.RootElement;
            if (root.TryObject("amazon-bedrock-invocationMetrics", out var metrics))
            {
                _metricInput = metrics.Int("inputTokenCount") ?? _metricInput;
                _metricOutput = metrics.Int("outputTokenCount") ?? _metricOutput;
                _metricCacheRead = metrics.Int("cacheReadInputTokenCount") ?? _metricCacheRead;
                _metricCacheWrite = metrics.Int("cacheWriteInputTokenCount") ?? _metricCacheWrite;
            }

            if (root.Str("type") is not null)
            {
                _anthropic.OnEvent(root);
            }
            else
            {
                _native.OnChunk(root);
            }
        }

        public void Complete(ZespanEvent evt)
        {
            if (_anthropic.Events > 0 || !_native.Seen)
            {
                _anthropic.Complete(evt);
            }
            else
            {
                _native.Complete(evt);
            }

            if (evt.PromptTokens is null && evt.CompletionTokens is null && (_metricInput is not null || _metricOutput is not null))
            {
                // inputTokenCount excludes the cache (as Anthropic's input_tokens does).
                EventFields.SetTokens(evt, JsonHelpers.Sum(_metricInput, _metricCacheRead, _metricCacheWrite), _metricOutput, null);
                EventFields.SetDetails(evt, PromptTokensDetails.Of(_metricCacheRead, _metricCacheWrite, null), null);
            }

            if (_error is not null)
            {
                evt.Error = _error;
                evt.FinishReason = FinishReasons.Error;
            }
        }
    }
}
