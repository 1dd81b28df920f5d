using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The Anthropic Messages API (also its bodies on Bedrock InvokeModel and Vertex rawPredict).
/// <c>prompt_tokens</c> = <c>input_tokens</c> + <c>cache_read_input_tokens</c> + <c>cache_creation_input_tokens</c>.
/// </summary>
internal static class AnthropicMessagesParser
{
    public static void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext ctx)
    {
        evt.Model ??= root.Str("model");
        if (root.Bool("stream") == true)
        {
            evt.Stream = true;
        }

        if (!ctx.StorePrompts)
        {
            return;
        }

        var messages = new List<LlmMessage>();
        if (root.TryProp("system", out var system) && ContentText.FromAnthropicContent(system, ctx.Prompt) is { } systemText)
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

    /// <summary>One Anthropic message: tool results become <c>tool</c> messages, tool uses become tool calls.</summary>
    private static void AddMessage(List<LlmMessage> messages, JsonElement message, TextBudget budget)
    {
        var role = message.Str("role") ?? "user";
        if (!message.TryProp("content", out var content))
        {
            messages.Add(new LlmMessage(role, null));
            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            messages.Add(new LlmMessage(role, ContentText.FromAnthropicContent(content, budget)));
            return;
        }

        List<LlmToolCall>? toolCalls = null;
        var hasOther = false;
        foreach (var block in content.EnumerateArray())
        {
            switch (block.Str("type"))
            {
                case "tool_result":
                    var result = block.TryProp("content", out var r) ? ContentText.FromAnthropicContent(r, budget) : null;
                    messages.Add(new LlmMessage("tool", result) { ToolCallId = block.Str("tool_use_id") });
                    break;
                case "tool_use":
                    (toolCalls ??= []).Add(ToolCall(block, budget));
                    break;
                default:
                    hasOther = true;
                    break;
            }
        }

        var text = hasOther ? ContentText.FromAnthropicContent(content, budget) : null;
        if (text is not null || toolCalls is not null)
        {
            messages.Add(new LlmMessage(role, text) { ToolCalls = toolCalls });
        }
    }

    private static LlmToolCall ToolCall(JsonElement block, TextBudget budget) =>
        new(block.Str("id") ?? string.Empty, block.Str("name") ?? string.Empty, budget.Take(block.TryProp("input", out var input) ? input.RawOrEmptyObject() : "{}") ?? "{}");

    public static void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext ctx)
    {
        evt.ResponseModel = root.Str("model") ?? evt.ResponseModel;
        evt.FinishReason = FinishReasons.FromAnthropic(root.Str("stop_reason"));
        if (ctx.StorePrompts && root.TryProp("content", out var content))
        {
            var text = ContentText.FromAnthropicContent(content, ctx.Completion);
            List<LlmToolCall>? toolCalls = null;
            if (content.ValueKind == JsonValueKind.Array)
            {
                foreach (var block in content.EnumerateArray())
                {
                    if (block.Str("type") == "tool_use")
                    {
                        (toolCalls ??= []).Add(ToolCall(block, ctx.Completion));
                    }
                }
            }

            evt.CompletionMessage = EventFields.Completion(text, toolCalls);
        }

        if (root.TryObject("usage", out var usage))
        {
            SetUsage(evt, usage.ToNode() as JsonObject);
        }
    }

    /// <summary>Tokens from an Anthropic usage object (cache reads and writes inside <c>prompt_tokens</c>).</summary>
    public static void SetUsage(ZespanEvent evt, JsonObject? usage)
    {
        if (usage is null)
        {
            return;
        }

        // input_tokens excludes the cache: the three together are every input token billed.
        var input = IntOf(usage, "input_tokens");
        var cacheRead = IntOf(usage, "cache_read_input_tokens");
        var cacheWrite = IntOf(usage, "cache_creation_input_tokens");
        var prompt = JsonHelpers.Sum(input, cacheRead, cacheWrite);
        var completion = IntOf(usage, "output_tokens");
        EventFields.SetTokens(evt, prompt, completion, null);
        EventFields.SetDetails(evt, PromptTokensDetails.Of(cacheRead, cacheWrite, null), null);
        EventFields.SetUsage(evt, usage);
    }

    private static int? IntOf(JsonObject usage, string name) =>
        usage.TryGetPropertyValue(name, out var node) && node is JsonValue value && value.TryGetValue<int>(out var i) ? i : null;

    /// <summary>
    /// Rebuilds a message from its stream: <c>message_start</c> (model, input usage), content block deltas
    /// (text, tool-use JSON), <c>message_delta</c> (stop reason, final usage), <c>error</c>.
    /// </summary>
    internal sealed class StreamAccumulator(ParseContext ctx) : IStreamAccumulator
    {
        private readonly StringBuilder _text = new();
        private readonly ToolCallBuilder _toolCalls = new();
        private JsonObject? _usage;
        private string? _model;
        private string? _stopReason;
        private ZespanError? _error;

        private bool _stopped;

        public int Events { get; private set; }

        /// <summary>Gets a value indicating whether <c>message_stop</c> (or an error event) was seen.</summary>
        public bool SawEnd => _stopped || _error is not null;

        public void OnEvent(ReadOnlySpan<byte> eventType, ReadOnlyMemory<byte> data)
        {
            using var document = JsonHelpers.TryParse(data);
            if (document is null)
            {
                return;
            }

            OnEvent(document.RootElement);
        }

        /// <summary>Handles one parsed event (Bedrock hands these over from its <c>chunk</c> payloads).</summary>
        public void OnEvent(JsonElement root)
        {
            Events++;
            switch (root.Str("type"))
            {
                case "message_start" when root.TryObject("message", out var message):
                    _model ??= message.Str("model");
                    if (message.TryObject("usage", out var startUsage))
                    {
                        MergeUsage(startUsage);
                    }

                    break;
                case "content_block_start" when root.TryObject("content_block", out var block):
                    var index = root.Int("index") ?? 0;
                    var blockType = block.Str("type");
                    if (blockType is "tool_use" or "server_tool_use")
                    {
                        _toolCalls.Add(index, block.Str("id"), block.Str("name"), null, ctx.Completion);
                    }
                    else if (blockType == "text" && ctx.StorePrompts && block.Str("text") is { Length: > 0 } initial)
                    {
                        ctx.Completion.Append(_text, initial);
                    }

                    break;
                case "content_block_delta" when root.TryObject("delta", out var delta):
                    switch (delta.Str("type"))
                    {
                        case "text_delta" when ctx.StorePrompts:
                            ctx.Completion.Append(_text, delta.Str("text"));
                            break;
                        case "input_json_delta" when ctx.StorePrompts:
                            _toolCalls.Add(root.Int("index") ?? 0, null, null, delta.Str("partial_json"), ctx.Completion);
                            break;
                    }

                    break;
                case "message_delta":
                    if (root.TryObject("delta", out var messageDelta) && messageDelta.Str("stop_reason") is { } stop)
                    {
                        _stopReason = stop;
                    }

                    if (root.TryObject("usage", out var deltaUsage))
                    {
                        MergeUsage(deltaUsage);
                    }

                    break;
                case "message_stop":
                    _stopped = true;
                    break;
                case "error":
                    _error = ErrorReader.TryReadEmbedded(root);
                    break;
            }
        }

        public void Complete(ZespanEvent evt)
        {
            evt.ResponseModel = _model ?? evt.ResponseModel;
            evt.FinishReason = FinishReasons.FromAnthropic(_stopReason);
            if (ctx.StorePrompts)
            {
                evt.CompletionMessage = EventFields.Completion(EventFields.NullIfEmpty(_text), _toolCalls.Build());
            }

            SetUsage(evt, _usage);
            if (_error is not null)
            {
                evt.Error = _error;
                evt.FinishReason = FinishReasons.Error;
            }
        }

        /// <summary>Later usage fields replace earlier ones (<c>message_delta</c> holds the final output count).</summary>
        private void MergeUsage(JsonElement usage)
        {
            _usage ??= [];
            foreach (var property in usage.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                _usage[property.Name] = property.Value.ToNode();
            }
        }
    }
}
