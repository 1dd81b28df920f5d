using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Agents.Internal;

/// <summary>
/// What Zespan saw of one ended agent-framework span: its GenAI attributes, Semantic Kernel's message events, its
/// status. The producer (<see cref="AgentFrameworkListener"/>) only copies these references when the span ends; the
/// lifecycle's parse step turns them into the event's fields (<see cref="Fill"/>), off the app's thread when it can.
/// </summary>
/// <remarks>
/// Content (messages, instructions, tool arguments and results) is kept only while <c>StorePrompts</c> is on, and
/// each text is cut to <c>MaxEventBytes</c> (the event is then marked <c>truncated</c>); redaction runs after this,
/// in the lifecycle, as for every event.
/// </remarks>
internal sealed class FrameworkSpanCapture : IEventCapture
{
    private readonly FrameworkSpanKind _kind;
    private readonly Dictionary<string, object?> _tags;
    private readonly List<KeyValuePair<string, string>>? _messageEvents;
    private readonly bool _storePrompts;
    private readonly int _maxTextBytes;
    private readonly string _framework;
    private readonly bool _failed;
    private readonly string? _statusDescription;
    private readonly string? _exceptionType;
    private readonly string? _exceptionMessage;
    private bool _truncated;

    private FrameworkSpanCapture(FrameworkSpanKind kind, Activity activity, string framework, bool storePrompts, int maxTextBytes, AgentNotes? notes)
    {
        _kind = kind;
        _framework = framework;
        _storePrompts = storePrompts;
        _maxTextBytes = Math.Max(1, maxTextBytes);
        _tags = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in activity.TagObjects)
        {
            if (tag.Key.StartsWith("gen_ai.", StringComparison.Ordinal) || string.Equals(tag.Key, GenAiAttributes.ErrorType, StringComparison.Ordinal))
            {
                _tags[tag.Key] = tag.Value;
            }
        }

        if (notes is not null)
        {
            Fallback(GenAiAttributes.ToolDefinitions, notes.ToolDefinitions);
            Fallback(GenAiAttributes.SystemInstructions, notes.Instructions);
            Fallback(GenAiAttributes.OutputMessages, notes.OutputMessages);
            Fallback(GenAiAttributes.FinishReasons, notes.FinishReasons);
        }

        _failed = activity.Status == ActivityStatusCode.Error;
        _statusDescription = activity.StatusDescription;
        foreach (var item in activity.Events)
        {
            if (string.Equals(item.Name, "exception", StringComparison.Ordinal))
            {
                foreach (var tag in item.Tags)
                {
                    switch (tag.Key)
                    {
                        case "exception.type":
                            _exceptionType = tag.Value as string;
                            break;
                        case "exception.message":
                            _exceptionMessage = tag.Value as string;
                            break;
                    }
                }
            }
            else if (storePrompts && item.Name.StartsWith("gen_ai.", StringComparison.Ordinal))
            {
                // Semantic Kernel's content, one event per message: gen_ai.system.message, gen_ai.user.message,
                // gen_ai.assistant.message, gen_ai.tool.message, gen_ai.choice.
                foreach (var tag in item.Tags)
                {
                    if (string.Equals(tag.Key, GenAiAttributes.EventContent, StringComparison.Ordinal) && tag.Value is string content)
                    {
                        (_messageEvents ??= []).Add(new(item.Name, content));
                    }
                }
            }
        }

        if (!storePrompts)
        {
            _tags.Remove(GenAiAttributes.InputMessages);
            _tags.Remove(GenAiAttributes.OutputMessages);
            _tags.Remove(GenAiAttributes.SystemInstructions);
            _tags.Remove(GenAiAttributes.ToolArguments);
            _tags.Remove(GenAiAttributes.ToolResult);
        }

        void Fallback(string key, object? value)
        {
            if (value is not null && !_tags.ContainsKey(key))
            {
                _tags[key] = value;
            }
        }
    }

    public long HeldBytes
    {
        get
        {
            long bytes = 0;
            foreach (var value in _tags.Values)
            {
                bytes += value is string text ? text.Length * 2L : 16;
            }

            if (_messageEvents is not null)
            {
                foreach (var pair in _messageEvents)
                {
                    bytes += pair.Value.Length * 2L;
                }
            }

            return bytes;
        }
    }

    /// <summary>Copies what the span recorded (the producer's only work when a span ends).</summary>
    public static FrameworkSpanCapture Create(FrameworkSpanKind kind, Activity activity, string framework, bool storePrompts, int maxTextBytes, AgentNotes? notes = null) =>
        new(kind, activity, framework, storePrompts, maxTextBytes, notes);

    /// <summary>Gets the agent's name: <c>gen_ai.agent.name</c>, else the span name after <c>invoke_agent</c> (its id in parentheses dropped).</summary>
    public static string AgentName(Activity activity)
    {
        if (activity.GetTagItem(GenAiAttributes.AgentName) is string { Length: > 0 } name)
        {
            return name;
        }

        var display = NameAfterOperation(activity.DisplayName);
        var paren = display.IndexOf('(', StringComparison.Ordinal);
        return paren > 0 ? display[..paren] : display.Length > 0 ? display : "agent";
    }

    /// <summary>Gets the tool's name: <c>gen_ai.tool.name</c>, else the span name after <c>execute_tool</c>.</summary>
    public static string ToolName(Activity activity) =>
        activity.GetTagItem(GenAiAttributes.ToolName) is string { Length: > 0 } name ? name
        : NameAfterOperation(activity.DisplayName) is { Length: > 0 } display ? display : "tool";

    /// <summary>Gets the event name of a model call: <c>{provider}.{operation}</c> (<c>openai.chat</c>), or the operation alone.</summary>
    public static string GenerationName(Activity activity)
    {
        var operation = activity.GetTagItem(GenAiAttributes.OperationName) as string ?? "chat";
        return ProviderOf(activity.GetTagItem(GenAiAttributes.ProviderName) as string ?? activity.GetTagItem(GenAiAttributes.System) as string) is { } provider
            ? provider + "." + operation
            : operation;
    }

    /// <summary>Gets the Zespan <c>provider</c> of a <c>gen_ai.provider.name</c> (or <c>gen_ai.system</c>) value; an unknown one is kept, lower-cased.</summary>
    public static string? ProviderOf(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var name = value.Trim().ToLowerInvariant();
        return name switch
        {
            "openai" or "azure.ai.openai" or "azure_openai" or "azure.openai" or "azureopenai" or "azure" => "openai",
            "anthropic" => "anthropic",
            "gcp.gemini" or "gcp.vertex_ai" or "gcp.gen_ai" or "google" or "gemini" or "vertex_ai" => "google",
            "aws.bedrock" or "bedrock" => "bedrock",
            "mistral_ai" or "mistral" or "mistralai" => "mistral",
            _ => name,
        };
    }

    /// <summary>Gets the tools a <c>gen_ai.tool.definitions</c> value lists (names, and descriptions when the framework records them).</summary>
    public static IReadOnlyList<AgentTool>? ParseToolDefinitions(object? value)
    {
        if (Parse(value as string) is not JsonArray array)
        {
            return null;
        }

        var tools = new List<AgentTool>(array.Count);
        foreach (var node in array)
        {
            if (node is JsonObject tool)
            {
                var function = tool["function"] as JsonObject ?? tool;
                if (Text(function["name"]) is { Length: > 0 } name)
                {
                    tools.Add(new AgentTool(name, Text(function["description"]) ?? string.Empty));
                }
            }
        }

        return tools.Count == 0 ? null : tools;
    }

    /// <summary>Gets the finish reasons of a <c>gen_ai.response.finish_reasons</c> value (a string array, or a JSON array as text).</summary>
    public static IReadOnlyList<string> FinishReasonsOf(object? value) => value switch
    {
        string[] reasons => reasons,
        string text when text.TrimStart().StartsWith('[') => Parse(text) is JsonArray array ? [.. array.Select(Text).OfType<string>()] : [],
        string text => [text],
        IEnumerable<string> reasons => [.. reasons],
        _ => [],
    };

    /// <summary>Gets the names of the tool calls in a <c>gen_ai.output.messages</c> value.</summary>
    public static IEnumerable<string> ToolCallNames(string? outputMessages)
    {
        if (Parse(outputMessages) is not JsonArray messages)
        {
            yield break;
        }

        foreach (var message in messages)
        {
            if (message?["parts"] is JsonArray parts)
            {
                foreach (var part in parts)
                {
                    if (Text(part?["type"]) == "tool_call" && Text(part?["name"]) is { } name)
                    {
                        yield return name;
                    }
                }
            }
        }
    }

    /// <summary>Normalises a finish reason to the wire's <c>stop</c>, <c>length</c>, <c>tool_calls</c>, <c>content_filter</c>, <c>error</c>.</summary>
    public static string? NormalizeFinishReason(string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return null;
        }

        var lower = reason.Trim().ToLowerInvariant();
        return lower switch
        {
            "stop" or "end_turn" or "stop_sequence" or "completed" => "stop",
            "length" or "max_tokens" or "max_output_tokens" => "length",
            "tool_calls" or "toolcalls" or "tool_call" or "tool_use" or "function_call" or "functioncall" => "tool_calls",
            "content_filter" or "contentfilter" or "safety" => "content_filter",
            "error" => "error",
            _ => lower,
        };
    }

    public void Fill(ZespanEvent item)
    {
        switch (_kind)
        {
            case FrameworkSpanKind.Agent:
                FillAgent(item);
                break;
            case FrameworkSpanKind.Tool:
                FillTool(item);
                break;
            case FrameworkSpanKind.ModelCall:
                FillGeneration(item);
                break;
        }

        if (_failed || _exceptionType is not null)
        {
            item.StatusCode = 500;
            var type = _exceptionType ?? Tag(GenAiAttributes.ErrorType) ?? "error";
            item.Error = new ZespanError(type, _exceptionMessage ?? _statusDescription ?? string.Empty);
            if (_kind == FrameworkSpanKind.ModelCall)
            {
                item.FinishReason ??= "error";
            }
        }

        if (_truncated)
        {
            item.Truncated = true;
        }
    }

    public void Dispose()
    {
        // Nothing pooled: the capture holds references to the activity's strings.
    }

    private static string NameAfterOperation(string displayName)
    {
        var space = displayName.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? string.Empty : displayName[(space + 1)..].Trim();
    }

    private static JsonNode? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static int? Int(object? value) => value switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        double d when !double.IsNaN(d) => (int)d,
        string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    private string? Tag(string key) => _tags.TryGetValue(key, out var value) ? value as string : null;

    private void FillAgent(ZespanEvent item)
    {
        item.Agent = new AgentInfo
        {
            Name = item.Name,
            Role = "specialist",
            Framework = _framework,
            Tools = _tags.TryGetValue(GenAiAttributes.ToolDefinitions, out var definitions) ? ParseToolDefinitions(definitions) : null,
        };
        AddMetadata(item, "agent_id", Tag(GenAiAttributes.AgentId));
        AddMetadata(item, "agent_description", Tag(GenAiAttributes.AgentDescription));
        AddMetadata(item, "conversation_id", Tag(GenAiAttributes.ConversationId));
    }

    private void FillTool(ZespanEvent item)
    {
        item.Tool = new ToolInfo
        {
            Name = item.Name,
            Arguments = _storePrompts ? JsonOrText(Tag(GenAiAttributes.ToolArguments)) : null,
            Result = _storePrompts ? JsonOrText(Tag(GenAiAttributes.ToolResult)) : null,
        };
        AddMetadata(item, "tool_call_id", Tag(GenAiAttributes.ToolCallId));
    }

    private void FillGeneration(ZespanEvent item)
    {
        item.Model = Tag(GenAiAttributes.RequestModel) ?? Tag(GenAiAttributes.ResponseModel);
        item.ResponseModel = Tag(GenAiAttributes.ResponseModel);
        item.Provider = ProviderOf(Tag(GenAiAttributes.ProviderName) ?? Tag(GenAiAttributes.System));
        item.PromptTokens = _tags.TryGetValue(GenAiAttributes.InputTokens, out var input) ? Int(input) : null;
        item.CompletionTokens = _tags.TryGetValue(GenAiAttributes.OutputTokens, out var output) ? Int(output) : null;
        item.TotalTokens = item.PromptTokens is { } p && item.CompletionTokens is { } c ? p + c : null;
        var reasons = FinishReasonsOf(_tags.GetValueOrDefault(GenAiAttributes.FinishReasons) ?? _tags.GetValueOrDefault(GenAiAttributes.FinishReason));
        item.FinishReason = reasons.Count > 0 ? NormalizeFinishReason(reasons[0]) : null;
        if (!_storePrompts)
        {
            return;
        }

        var prompt = new TextBudget(_maxTextBytes);
        var completion = new TextBudget(_maxTextBytes);
        List<LlmMessage> messages = [];
        LlmMessage? answer = null;
        if (Tag(GenAiAttributes.SystemInstructions) is { } instructions)
        {
            var text = PartsText(Parse(instructions) as JsonArray) ?? instructions;
            messages.Add(new LlmMessage("system", prompt.Take(text)));
        }

        if (Parse(Tag(GenAiAttributes.InputMessages)) is JsonArray inputMessages)
        {
            foreach (var message in inputMessages)
            {
                AddSemconvMessage(messages, message as JsonObject, prompt);
            }
        }

        if (Parse(Tag(GenAiAttributes.OutputMessages)) is JsonArray outputs && outputs.Count > 0)
        {
            List<LlmMessage> answers = [];
            AddSemconvMessage(answers, outputs[0] as JsonObject, completion);
            answer = answers.Count > 0 ? answers[0] : null;
        }

        if (_messageEvents is not null)
        {
            foreach (var (name, content) in _messageEvents)
            {
                if (Parse(content) is not JsonObject body)
                {
                    continue;
                }

                if (string.Equals(name, "gen_ai.choice", StringComparison.Ordinal))
                {
                    answer ??= KernelMessage(body["message"] as JsonObject, "assistant", completion);
                }
                else if (KernelMessage(body, RoleOfEvent(name), prompt) is { } message)
                {
                    messages.Add(message);
                }
            }
        }

        item.PromptMessages = messages.Count > 0 ? messages : null;
        item.CompletionMessage = answer;
        _truncated |= prompt.Truncated || completion.Truncated;
    }

    private static string RoleOfEvent(string eventName) => eventName switch
    {
        "gen_ai.system.message" => "system",
        "gen_ai.assistant.message" => "assistant",
        "gen_ai.tool.message" => "tool",
        _ => "user",
    };

    /// <summary>One message of the OpenTelemetry GenAI shape (<c>{"role", "parts": [{"type": "text" | "tool_call" | "tool_call_response", ...}]}</c>).</summary>
    private static void AddSemconvMessage(List<LlmMessage> messages, JsonObject? message, TextBudget budget)
    {
        if (message is null)
        {
            return;
        }

        var role = Text(message["role"]) ?? "user";
        var parts = message["parts"] as JsonArray;
        List<LlmToolCall>? calls = null;
        if (parts is not null)
        {
            foreach (var part in parts)
            {
                switch (Text(part?["type"]))
                {
                    case "tool_call":
                        (calls ??= []).Add(new LlmToolCall(Text(part!["id"]) ?? string.Empty, Text(part["name"]) ?? string.Empty, budget.Take(JsonText(part["arguments"]) ?? "{}")));
                        break;
                    case "tool_call_response":
                        messages.Add(new LlmMessage("tool", budget.Take(JsonText(part!["response"]) ?? string.Empty)) { ToolCallId = Text(part["id"]) });
                        break;
                }
            }
        }

        var text = PartsText(parts);
        if (text is not null || calls is not null)
        {
            messages.Add(new LlmMessage(role, text is null ? null : budget.Take(text)) { ToolCalls = calls });
        }
    }

    /// <summary>One message of Semantic Kernel's events (<c>{"role", "content", "tool_calls": [{"id", "function": {"name", "arguments"}}]}</c>).</summary>
    private static LlmMessage? KernelMessage(JsonObject? message, string fallbackRole, TextBudget budget)
    {
        if (message is null)
        {
            return null;
        }

        var role = (Text(message["role"]) ?? fallbackRole).ToLowerInvariant();
        List<LlmToolCall>? calls = null;
        if (message["tool_calls"] is JsonArray toolCalls)
        {
            foreach (var call in toolCalls)
            {
                if (call?["function"] is JsonObject function)
                {
                    (calls ??= []).Add(new LlmToolCall(Text(call["id"]) ?? string.Empty, Text(function["name"]) ?? string.Empty, budget.Take(JsonText(function["arguments"]) ?? "{}")));
                }
            }
        }

        var content = JsonText(message["content"]);
        return content is null && calls is null ? null : new LlmMessage(role, content is null ? null : budget.Take(content)) { ToolCalls = calls };
    }

    /// <summary>The text parts of a message, joined.</summary>
    private static string? PartsText(JsonArray? parts)
    {
        if (parts is null)
        {
            return null;
        }

        string? text = null;
        foreach (var part in parts)
        {
            if (Text(part?["type"]) == "text" && Text(part?["content"]) is { } content)
            {
                text = text is null ? content : text + "\n" + content;
            }
        }

        return text;
    }

    /// <summary>A JSON value as text: a string as itself, anything else as JSON.</summary>
    private static string? JsonText(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(),
    };

    private static void AddMetadata(ZespanEvent item, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            (item.Metadata ??= new Dictionary<string, JsonNode?>(StringComparer.Ordinal))[key] = JsonValue.Create(value);
        }
    }

    /// <summary>Tool arguments or a result: parsed when it is JSON (so redaction sees its keys), else kept as a string.</summary>
    private JsonNode? JsonOrText(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var budget = new TextBudget(_maxTextBytes);
        var kept = budget.Take(value);
        _truncated |= budget.Truncated;
        var trimmed = kept.TrimStart();
        if (!budget.Truncated && trimmed.Length > 0 && trimmed[0] is '{' or '[' or '"')
        {
            var parsed = Parse(kept);
            if (parsed is not null)
            {
                return parsed;
            }
        }

        return JsonValue.Create(kept);
    }

    /// <summary>A budget of UTF-8 bytes of text kept for one side of a call; text beyond it is cut, never inside a surrogate pair.</summary>
    private sealed class TextBudget(int bytes)
    {
        private int _left = bytes;

        public bool Truncated { get; private set; }

        public string Take(string text)
        {
            var size = System.Text.Encoding.UTF8.GetByteCount(text);
            if (size <= _left)
            {
                _left -= size;
                return text;
            }

            Truncated = true;
            var keep = 0;
            var used = 0;
            while (keep < text.Length)
            {
                var width = char.IsHighSurrogate(text[keep]) && keep + 1 < text.Length ? 2 : 1;
                var cost = System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(keep, width));
                if (used + cost > _left)
                {
                    break;
                }

                used += cost;
                keep += width;
            }

            _left -= used;
            return text[..keep];
        }
    }
}
