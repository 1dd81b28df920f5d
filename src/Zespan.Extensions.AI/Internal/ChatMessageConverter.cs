using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.AI.Internal;

/// <summary>
/// Turns Microsoft.Extensions.AI messages into the event's message shape (<see cref="LlmMessage"/>), and applies
/// guardrail <c>redact</c> verdicts to message lists and responses.
/// </summary>
internal static class ChatMessageConverter
{
    /// <summary>
    /// The prompt messages: one <see cref="LlmMessage"/> per message, with text contents concatenated and other
    /// media as a marker (<c>[image]</c>, <c>[audio]</c>, <c>[file]</c>); <see cref="FunctionCallContent"/> becomes a
    /// tool call; each <see cref="FunctionResultContent"/> becomes a <c>tool</c> message of its own.
    /// </summary>
    public static LlmMessage[] ToPromptMessages(IList<ChatMessage> messages)
    {
        var result = new List<LlmMessage>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message is null)
            {
                continue;
            }

            Append(result, message);
        }

        return [.. result];
    }

    /// <summary>
    /// The completion of a response: the text of its assistant messages (messages joined with a line feed) and
    /// their function calls, as one <c>assistant</c> message; null when the response has neither.
    /// </summary>
    public static LlmMessage? ToCompletion(ChatResponse response)
    {
        StringBuilder? text = null;
        List<LlmToolCall>? calls = null;
        var messages = response.Messages;
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message is null || message.Role != ChatRole.Assistant)
            {
                continue;
            }

            var piece = TextOf(message.Contents, markers: false);
            if (piece is not null)
            {
                text ??= new StringBuilder();
                if (text.Length > 0)
                {
                    text.Append('\n');
                }

                text.Append(piece);
            }

            foreach (var content in message.Contents)
            {
                if (content is FunctionCallContent call)
                {
                    (calls ??= []).Add(ToToolCall(call));
                }
            }
        }

        if (text is null && calls is null)
        {
            return null;
        }

        return new LlmMessage("assistant", text?.ToString()) { ToolCalls = calls };
    }

    /// <summary>The event's <c>role</c> of a chat role.</summary>
    public static string RoleOf(ChatRole role)
    {
        if (role == ChatRole.User)
        {
            return "user";
        }

        if (role == ChatRole.Assistant)
        {
            return "assistant";
        }

        if (role == ChatRole.System)
        {
            return "system";
        }

        if (role == ChatRole.Tool)
        {
            return "tool";
        }

        var value = role.Value;
        return string.IsNullOrEmpty(value) ? "user" : value.ToLowerInvariant();
    }

    /// <summary>
    /// The normalised <c>finish_reason</c>: <c>stop</c>, <c>length</c>, <c>tool_calls</c>, <c>content_filter</c>;
    /// any other value as the provider's own reason normalised by the OpenAI rules (lower-cased when unknown).
    /// </summary>
    public static string? FinishReasonOf(ChatFinishReason? reason)
    {
        if (reason is not { } value)
        {
            return null;
        }

        if (value == ChatFinishReason.Stop)
        {
            return FinishReasons.Stop;
        }

        if (value == ChatFinishReason.Length)
        {
            return FinishReasons.Length;
        }

        if (value == ChatFinishReason.ToolCalls)
        {
            return FinishReasons.ToolCalls;
        }

        if (value == ChatFinishReason.ContentFilter)
        {
            return FinishReasons.ContentFilter;
        }

        return FinishReasons.FromOpenAI(value.Value);
    }

    /// <summary>A tool call of the event: id, name and the arguments as JSON text.</summary>
    public static LlmToolCall ToToolCall(FunctionCallContent call) =>
        new(call.CallId ?? string.Empty, call.Name ?? string.Empty, ArgumentsJson(call.Arguments));

    /// <summary>
    /// Copies <paramref name="messages"/> with the text of the last <c>user</c> message replaced by
    /// <paramref name="text"/> (the first text part takes it, further text parts are dropped, other contents are
    /// kept). Null when there is no user message. The caller's list and messages are not changed.
    /// </summary>
    public static List<ChatMessage>? ReplaceLastUserText(IList<ChatMessage> messages, string text)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var message = messages[i];
            if (message is null || message.Role != ChatRole.User)
            {
                continue;
            }

            var copy = new List<ChatMessage>(messages);
            var replaced = message.Clone();
            replaced.Contents = ReplaceText(message.Contents, text, insertIfNone: true)!;
            copy[i] = replaced;
            return copy;
        }

        return null;
    }

    /// <summary>
    /// Replaces the completion text of <paramref name="response"/> in place: the text of its last assistant
    /// message that has text (first text part takes it, further text parts dropped, other contents kept).
    /// False when no assistant message has text (the verdict cannot be applied).
    /// </summary>
    public static bool ReplaceCompletionText(ChatResponse response, string text)
    {
        var messages = response.Messages;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var message = messages[i];
            if (message is null || message.Role != ChatRole.Assistant)
            {
                continue;
            }

            var contents = ReplaceText(message.Contents, text, insertIfNone: false);
            if (contents is null)
            {
                continue;
            }

            var replaced = message.Clone();
            replaced.Contents = contents;
            messages[i] = replaced;
            return true;
        }

        return false;
    }

    /// <summary>
    /// The text of contents: <see cref="TextContent"/> concatenated, as <see cref="ChatMessage.Text"/> does; with
    /// <paramref name="markers"/>, other media add a marker line. Null when there is none.
    /// </summary>
    public static string? TextOf(IList<AIContent> contents, bool markers)
    {
        string? single = null;
        StringBuilder? builder = null;
        for (var i = 0; i < contents.Count; i++)
        {
            string? piece;
            var separate = false;
            switch (contents[i])
            {
                case TextContent text:
                    piece = text.Text;
                    break;
                case DataContent data when markers:
                    piece = MarkerOf(data.MediaType);
                    separate = true;
                    break;
                case UriContent uri when markers:
                    piece = MarkerOf(uri.MediaType);
                    separate = true;
                    break;
                case HostedFileContent when markers:
                    piece = "[file]";
                    separate = true;
                    break;
                default:
                    continue;
            }

            if (piece is null)
            {
                continue;
            }

            if (single is null && builder is null)
            {
                single = piece;
                continue;
            }

            builder ??= new StringBuilder(single);
            if (separate && builder.Length > 0)
            {
                builder.Append('\n');
            }

            builder.Append(piece);
        }

        return builder?.ToString() ?? single;
    }

    private static void Append(List<LlmMessage> result, ChatMessage message)
    {
        var role = RoleOf(message.Role);
        var contents = message.Contents;
        List<LlmToolCall>? calls = null;
        List<LlmMessage>? results = null;
        for (var i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case FunctionCallContent call:
                    (calls ??= []).Add(ToToolCall(call));
                    break;
                case FunctionResultContent toolResult:
                    (results ??= []).Add(new LlmMessage("tool", ResultText(toolResult)) { ToolCallId = toolResult.CallId });
                    break;
            }
        }

        var text = TextOf(contents, markers: true);
        if (results is null || text is not null || calls is not null)
        {
            result.Add(new LlmMessage(role, text) { ToolCalls = calls });
        }

        if (results is not null)
        {
            result.AddRange(results);
        }
    }

    private static string MarkerOf(string? mediaType)
    {
        if (mediaType is null)
        {
            return "[file]";
        }

        if (mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
        {
            return "[image]";
        }

        if (mediaType.StartsWith("audio/", StringComparison.OrdinalIgnoreCase))
        {
            return "[audio]";
        }

        return mediaType.StartsWith("video/", StringComparison.OrdinalIgnoreCase) ? "[video]" : "[file]";
    }

    private static List<AIContent>? ReplaceText(IList<AIContent> contents, string text, bool insertIfNone)
    {
        var result = new List<AIContent>(contents.Count + 1);
        var placed = false;
        for (var i = 0; i < contents.Count; i++)
        {
            var content = contents[i];
            if (content is TextContent)
            {
                if (!placed)
                {
                    result.Add(new TextContent(text));
                    placed = true;
                }

                continue;
            }

            result.Add(content);
        }

        if (!placed)
        {
            if (!insertIfNone)
            {
                return null;
            }

            result.Insert(0, new TextContent(text));
        }

        return result;
    }

    /// <summary>The arguments as JSON text, with the options Microsoft.Extensions.AI sends them with.</summary>
    private static string ArgumentsJson(IDictionary<string, object?>? arguments)
    {
        if (arguments is null)
        {
            return "{}";
        }

        try
        {
            return JsonSerializer.Serialize(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException or ArgumentException)
        {
            // A value the serializer cannot handle (no type info in a trimmed app): the snapshot conversion never throws.
            return JsonSnapshot.From(arguments)?.ToJsonString() ?? "{}";
        }
    }

    private static string? ResultText(FunctionResultContent result)
    {
        switch (result.Result)
        {
            case null:
                return result.Exception?.Message;
            case string s:
                return s;
            case JsonElement { ValueKind: JsonValueKind.String } element:
                return element.GetString();
            case JsonElement element:
                return element.GetRawText();
        }

        try
        {
            return JsonSerializer.Serialize(result.Result, AIJsonUtilities.DefaultOptions.GetTypeInfo(result.Result.GetType()));
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException or ArgumentException)
        {
            return result.Result.ToString();
        }
    }
}
