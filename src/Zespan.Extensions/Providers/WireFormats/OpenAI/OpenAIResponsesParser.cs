using System.Text;
using System.Text.Json;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The OpenAI Responses API (<c>POST /v1/responses</c>): <c>instructions</c> and <c>input</c> items in,
/// <c>output</c> items out, <c>finish_reason</c> from <c>status</c>. Usage: <c>input_tokens</c> counts cached
/// input, <c>output_tokens</c> counts reasoning.
/// </summary>
internal static class OpenAIResponsesParser
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
        if (root.Str("instructions") is { Length: > 0 } instructions)
        {
            messages.Add(new LlmMessage("system", ctx.Prompt.Take(instructions)));
        }

        if (root.TryProp("input", out var input))
        {
            if (input.ValueKind == JsonValueKind.String)
            {
                messages.Add(new LlmMessage("user", ctx.Prompt.Take(input.GetString())));
            }
            else if (input.ValueKind == JsonValueKind.Array)
            {
                ReadInputItems(input, messages, ctx.Prompt);
            }
        }

        evt.PromptMessages = messages;
    }

    private static void ReadInputItems(JsonElement items, List<LlmMessage> messages, TextBudget budget)
    {
        foreach (var item in items.EnumerateArray())
        {
            var type = item.Str("type");
            switch (type)
            {
                case "message" or null when item.Str("role") is not null:
                    var content = item.TryProp("content", out var c) ? ContentText.FromOpenAIContent(c, budget) : null;
                    messages.Add(new LlmMessage(OpenAIChatParser.NormalizeRole(item.Str("role")), content));
                    break;
                case "function_call" or "custom_tool_call":
                    var call = new LlmToolCall(
                        item.Str("call_id") ?? item.Str("id") ?? string.Empty,
                        item.Str("name") ?? string.Empty,
                        budget.Take(item.TryProp("arguments", out var a) ? a.RawOrEmptyObject() : item.Str("input") ?? "{}") ?? "{}");
                    if (messages.Count > 0 && messages[^1] is { Role: "assistant", Content: null, ToolCalls: { } previous })
                    {
                        messages[^1] = messages[^1] with { ToolCalls = [.. previous, call] };
                    }
                    else
                    {
                        messages.Add(new LlmMessage("assistant", null) { ToolCalls = [call] });
                    }

                    break;
                case "function_call_output" or "custom_tool_call_output":
                    var output = item.TryProp("output", out var o) ? ContentText.FromOpenAIContent(o, budget) : null;
                    messages.Add(new LlmMessage("tool", output) { ToolCallId = item.Str("call_id") });
                    break;
            }
        }
    }

    public static void ReadResponse(JsonElement root, ZespanEvent evt, ParseContext ctx)
    {
        // A streamed response.completed event carries the response object under "response".
        if (root.TryObject("response", out var inner) && root.Str("object") is null)
        {
            root = inner;
        }

        evt.ResponseModel = root.Str("model") ?? evt.ResponseModel;
        var text = new StringBuilder();
        var toolCalls = new List<LlmToolCall>();
        if (root.TryArray("output", out var output))
        {
            foreach (var item in output.EnumerateArray())
            {
                switch (item.Str("type"))
                {
                    case "message":
                        if (ctx.StorePrompts && item.TryProp("content", out var content))
                        {
                            ContentText.AppendPiece(text, ContentText.FromOpenAIContent(content, ctx.Completion), new TextBudget(int.MaxValue));
                        }

                        break;
                    case "function_call" or "custom_tool_call":
                        if (ctx.StorePrompts)
                        {
                            toolCalls.Add(new LlmToolCall(
                                item.Str("call_id") ?? item.Str("id") ?? string.Empty,
                                item.Str("name") ?? string.Empty,
                                ctx.Completion.Take(item.TryProp("arguments", out var a) ? a.RawOrEmptyObject() : item.Str("input") ?? "{}") ?? "{}"));
                        }
                        else
                        {
                            toolCalls.Add(new LlmToolCall(string.Empty, string.Empty, string.Empty));
                        }

                        break;
                }
            }
        }

        var incompleteReason = root.TryObject("incomplete_details", out var details) ? details.Str("reason") : null;
        evt.FinishReason = FinishReasons.FromResponsesStatus(root.Str("status"), incompleteReason, toolCalls.Count > 0);
        if (ctx.StorePrompts)
        {
            evt.CompletionMessage = EventFields.Completion(EventFields.NullIfEmpty(text), toolCalls.Count > 0 ? toolCalls : null);
        }

        if (root.TryObject("error", out var error))
        {
            evt.Error = new ZespanError(error.Text("code") ?? error.Str("type") ?? "error", error.Str("message") ?? "response failed");
        }

        if (root.TryObject("usage", out var usage))
        {
            ReadUsage(usage, evt);
        }
    }

    /// <summary>Tokens and the usage object from a Responses usage object.</summary>
    public static void ReadUsage(JsonElement usage, ZespanEvent evt)
    {
        EventFields.SetTokens(evt, usage.Int("input_tokens"), usage.Int("output_tokens"), usage.Int("total_tokens"));
        var input = usage.TryObject("input_tokens_details", out var inputDetails) ? inputDetails : default;
        var output = usage.TryObject("output_tokens_details", out var outputDetails) ? outputDetails : default;
        EventFields.SetDetails(
            evt,
            PromptTokensDetails.Of(input.Int("cached_tokens"), null, input.Int("audio_tokens")),
            CompletionTokensDetails.Of(output.Int("reasoning_tokens"), output.Int("audio_tokens")));
        EventFields.SetUsage(evt, usage.ToNode());
    }

    /// <summary>
    /// Rebuilds a response from its stream: the final <c>response.completed</c> (or <c>.incomplete</c>,
    /// <c>.failed</c>) event holds the whole response; text and tool-call deltas are the fallback when the
    /// stream ended before it.
    /// </summary>
    internal sealed class StreamAccumulator(ParseContext ctx) : IStreamAccumulator
    {
        private readonly StringBuilder _text = new();
        private readonly ToolCallBuilder _toolCalls = new();
        private byte[]? _final;
        private string? _model;
        private ZespanError? _error;

        /// <summary>Gets a value indicating whether <c>response.completed</c>, <c>.incomplete</c>, <c>.failed</c> or an error was seen.</summary>
        public bool SawEnd => _final is not null || _error is not null;

        public void OnEvent(ReadOnlySpan<byte> eventType, ReadOnlyMemory<byte> data)
        {
            using var document = JsonHelpers.TryParse(data);
            if (document is null)
            {
                return;
            }

            var root = document.RootElement;
            var type = root.Str("type");
            switch (type)
            {
                case "response.created" or "response.in_progress" when root.TryObject("response", out var response):
                    _model ??= response.Str("model");
                    break;
                case "response.output_text.delta" when ctx.StorePrompts:
                    ctx.Completion.Append(_text, root.Str("delta"));
                    break;
                case "response.output_item.added" or "response.output_item.done" when root.TryObject("item", out var item) && item.Str("type") == "function_call":
                    var index = root.Int("output_index") ?? _toolCalls.Count;
                    _toolCalls.Add(index, item.Str("call_id"), item.Str("name"), null, ctx.Completion);
                    if (type == "response.output_item.done" && item.Str("arguments") is { } args && ctx.StorePrompts)
                    {
                        _toolCalls.SetArguments(index, args, ctx.Completion);
                    }

                    break;
                case "response.function_call_arguments.delta" when ctx.StorePrompts:
                    _toolCalls.Add(root.Int("output_index") ?? 0, null, null, root.Str("delta"), ctx.Completion);
                    break;
                case "response.completed" or "response.incomplete" or "response.failed":
                    _final = data.ToArray();
                    break;
                case "error":
                    _error = new ZespanError(root.Text("code") ?? "error", root.Str("message") ?? "stream error");
                    break;
            }
        }

        public void Complete(ZespanEvent evt)
        {
            evt.ResponseModel = _model ?? evt.ResponseModel;
            using var final = _final is null ? null : JsonHelpers.TryParse(_final.AsMemory());
            if (final is not null)
            {
                ReadResponse(final.RootElement, evt, ctx);
            }
            else if (ctx.StorePrompts)
            {
                evt.CompletionMessage = EventFields.Completion(EventFields.NullIfEmpty(_text), _toolCalls.Build());
            }

            if (_error is not null)
            {
                evt.Error = _error;
                evt.FinishReason = FinishReasons.Error;
            }
        }
    }
}
