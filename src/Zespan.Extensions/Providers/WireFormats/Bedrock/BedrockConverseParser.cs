using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Bedrock Converse and ConverseStream. The model is in the URL path. Bedrock reports cache reads and
/// writes apart from <c>inputTokens</c>, so <c>prompt_tokens</c> = <c>inputTokens</c> +
/// <c>cacheReadInputTokens</c> + <c>cacheWriteInputTokens</c>.
/// </summary>
internal static class BedrockConverseParser
{
    public static void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext ctx)
    {
        if (!ctx.StorePrompts)
        {
            return;
        }

        var messages = new List<LlmMessage>();
        if (root.TryProp("system", out var system) && ContentText.FromBedrockBlocks(system, ctx.Prompt) is { } systemText)
        {
            messages.Add(new LlmMessage("system", systemText));
        }

        if (root.TryArray("messages", out var list))
        {
            foreach (var message in list.EnumerateArray())
            {
                AddMessage(messages, message, ctx.Prompt);
            }
        }

        evt.PromptMessages = messages;
    }

    private static void AddMessage(List<LlmMessage> messages, JsonElement message, TextBudget budget)
    {
        var role = message.Str("role") ?? "user";
        if (!message.TryArray("content", out var content))
        {
            messages.Add(new LlmMessage(role, message.TryProp("content", out var c) ? ContentText.FromBedrockBlocks(c, budget) : null));
            return;
        }

        List<LlmToolCall>? toolCalls = null;
        var hasOther = false;
        foreach (var block in content.EnumerateArray())
        {
            if (block.TryObject("toolUse", out var toolUse))
            {
                (toolCalls ??= []).Add(ToolCall(toolUse, budget));
            }
            else if (block.TryObject("toolResult", out var toolResult))
            {
                var result = toolResult.TryProp("content", out var r) ? ContentText.FromBedrockBlocks(r, budget) : null;
                messages.Add(new LlmMessage("tool", result) { ToolCallId = toolResult.Str("toolUseId") });
            }
            else
            {
                hasOther = true;
            }
        }

        var text = hasOther ? ContentText.FromBedrockBlocks(content, budget) : null;
        if (text is not null || toolCalls is not null)
        {
            messages.Add(new LlmMessage(role, text) { ToolCalls = toolCalls });
        }
    }

    private static LlmToolCall ToolCall(JsonElement toolUse, TextBudget budget) =>
        new(toolUse.Str("toolUseId") ?? string.Empty, toolUse.Str("name") ?? string.Empty, budget.Take(toolUse.TryProp("input", out var input) ? input.RawOrEmptyObject() : "{}") ?? "{}");

    public static void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext ctx)
    {
        evt.FinishReason = FinishReasons.FromBedrock(root.Str("stopReason"));
        if (ctx.StorePrompts && root.TryObject("output", out var output) && output.TryObject("message", out var message)
            && message.TryArray("content", out var content))
        {
            List<LlmToolCall>? toolCalls = null;
            foreach (var block in content.EnumerateArray())
            {
                if (block.TryObject("toolUse", out var toolUse))
                {
                    (toolCalls ??= []).Add(ToolCall(toolUse, ctx.Completion));
                }
            }

            evt.CompletionMessage = EventFields.Completion(ContentText.FromBedrockBlocks(content, ctx.Completion), toolCalls);
        }

        if (root.TryObject("usage", out var usage))
        {
            SetUsage(evt, usage);
        }
    }

    public static void SetUsage(ZespanEvent evt, JsonElement usage)
    {
        var cacheRead = usage.Int("cacheReadInputTokens");
        var cacheWrite = usage.Int("cacheWriteInputTokens");
        var prompt = JsonHelpers.Sum(usage.Int("inputTokens"), cacheRead, cacheWrite);
        var completion = usage.Int("outputTokens");
        var total = cacheRead is null && cacheWrite is null ? usage.Int("totalTokens") : null;
        EventFields.SetTokens(evt, prompt, completion, total ?? JsonHelpers.Sum(prompt, completion));
        EventFields.SetDetails(evt, PromptTokensDetails.Of(cacheRead, cacheWrite, null), null);
        EventFields.SetUsage(evt, usage.ToNode());
    }

    /// <summary>Sets the error of an <c>exception</c> (or <c>error</c>) message of an event stream.</summary>
    public static ZespanError StreamError(in EventStreamMessage message)
    {
        var type = !message.ExceptionType.IsEmpty ? Encoding.UTF8.GetString(message.ExceptionType)
            : !message.ErrorCode.IsEmpty ? Encoding.UTF8.GetString(message.ErrorCode)
            : "error";
        string? text = null;
        if (!message.ErrorMessage.IsEmpty)
        {
            text = Encoding.UTF8.GetString(message.ErrorMessage);
        }
        else
        {
            using var document = JsonHelpers.TryParse(message.Payload);
            text = document?.RootElement.Str("message") ?? document?.RootElement.Str("Message");
        }

        return new ZespanError(type, text ?? type);
    }

    /// <summary>Rebuilds a ConverseStream response from its event-stream messages.</summary>
    internal sealed class StreamAccumulator(ParseContext ctx) : IEventStreamAccumulator
    {
        private readonly StringBuilder _text = new();
        private readonly ToolCallBuilder _toolCalls = new();
        private string? _stopReason;
        private JsonElement _usage;
        private JsonDocument? _usageDocument;
        private ZespanError? _error;

        /// <summary>Gets a value indicating whether <c>messageStop</c>, the closing <c>metadata</c> event or an exception was seen.</summary>
        public bool SawEnd => _stopReason is not null || _usageDocument is not null || _error is not null;

        public void OnMessage(in EventStreamMessage message)
        {
            if (!message.MessageType.SequenceEqual("event"u8))
            {
                _error = StreamError(message);
                return;
            }

            using var document = JsonHelpers.TryParse(message.Payload);
            if (document is null)
            {
                return;
            }

            var root = document.RootElement;
            var type = message.EventType;
            if (type.SequenceEqual("contentBlockDelta"u8) && root.TryObject("delta", out var delta))
            {
                if (!ctx.StorePrompts)
                {
                    return;
                }

                if (delta.Str("text") is { } text)
                {
                    ctx.Completion.Append(_text, text);
                }
                else if (delta.TryObject("toolUse", out var toolUse))
                {
                    _toolCalls.Add(root.Int("contentBlockIndex") ?? 0, null, null, toolUse.Str("input"), ctx.Completion);
                }
            }
            else if (type.SequenceEqual("contentBlockStart"u8) && root.TryObject("start", out var start) && start.TryObject("toolUse", out var startToolUse))
            {
                _toolCalls.Add(root.Int("contentBlockIndex") ?? 0, startToolUse.Str("toolUseId"), startToolUse.Str("name"), null, ctx.Completion);
            }
            else if (type.SequenceEqual("messageStop"u8))
            {
                _stopReason = root.Str("stopReason") ?? _stopReason;
            }
            else if (type.SequenceEqual("metadata"u8) && root.TryObject("usage", out var usage))
            {
                _usageDocument?.Dispose();
                _usageDocument = JsonDocument.Parse(usage.GetRawText());
                _usage = _usageDocument.RootElement;
                if (root.TryObject("metrics", out var metrics) && metrics.Int("latencyMs") is { } latency)
                {
                    LatencyMs = latency;
                }
            }
        }

        public int? LatencyMs { get; private set; }

        public void Complete(ZespanEvent evt)
        {
            evt.FinishReason = FinishReasons.FromBedrock(_stopReason);
            if (ctx.StorePrompts)
            {
                evt.CompletionMessage = EventFields.Completion(EventFields.NullIfEmpty(_text), _toolCalls.Build());
            }

            if (_usageDocument is not null)
            {
                SetUsage(evt, _usage);
                _usageDocument.Dispose();
                _usageDocument = null;
            }

            if (LatencyMs is { } latency)
            {
                EventFields.SetMetadata(evt, "provider_latency_ms", JsonValue.Create(latency));
            }

            if (_error is not null)
            {
                evt.Error = _error;
                evt.FinishReason = FinishReasons.Error;
            }
        }
    }
}
