using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Redaction.Internal;

/// <summary>
/// Applies the redaction rules to every part of an event that can carry a secret: tags, metadata at any depth,
/// tool arguments and results, prompt and completion messages (text and tool-call arguments), the error
/// message, plan steps, the handoff reason and guardrail texts.
/// </summary>
/// <remarks>
/// Keys (tag names, metadata keys, JSON property names at any depth) that match have their whole value
/// replaced by the string <c>[REDACTED]</c>. Every other string value is scanned too: a string that holds JSON
/// (starts with <c>{</c> or <c>[</c> and parses) is redacted as JSON and written back compactly, any other
/// string with the text rule (<see cref="TextRedactor"/>). Strings without <c>:</c> or <c>=</c> are skipped at
/// once. The event is changed in place (it belongs to the export thread by now); message records are replaced
/// with changed copies.
/// </remarks>
internal static class EventRedactor
{
    private const int MaxDepth = 128;
    private const int MaxJsonInStringDepth = 8;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };


    public static void Redact(ZespanEvent item, RedactionKeySet keys)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.IsEmpty)
        {
            return;
        }

        RedactTags(item.Tags, keys);
        RedactMetadata(item.Metadata, keys);
        if (item.Tool is { } tool)
        {
            tool.Arguments = RedactRoot(tool.Arguments, keys);
            tool.Result = RedactRoot(tool.Result, keys);
        }

        if (item.PromptMessages is { } prompt)
        {
            item.PromptMessages = RedactMessages(prompt, keys);
        }

        if (item.CompletionMessage is { } completion)
        {
            item.CompletionMessage = RedactMessage(completion, keys);
        }

        if (item.Error is { } error && TextRedactor.MayContainPair(error.Message))
        {
            var message = RedactString(error.Message, keys, 0);
            if (!ReferenceEquals(message, error.Message))
            {
                item.Error = error with { Message = message };
            }
        }

        if (item.Handoff is { Reason: { } reason } handoff)
        {
            var redacted = RedactString(reason, keys, 0);
            if (!ReferenceEquals(redacted, reason))
            {
                item.Handoff = handoff with { Reason = redacted };
            }
        }

        if (item.Plan is { } plan)
        {
            item.Plan = RedactList(plan, keys);
        }

        if (item.Guardrail is { } guardrail)
        {
            guardrail.Results = RedactGuardrailResults(guardrail.Results, keys);
        }
    }

    /// <summary>Redacts a string: as JSON when it holds JSON, else with the text rule. Returns the same instance when nothing changed.</summary>
    public static string RedactString(string value, RedactionKeySet keys, int depth)
    {
        if (!TextRedactor.MayContainPair(value) || HoldsNoKey(value, keys))
        {
            return value;
        }

        if (depth < MaxJsonInStringDepth && LooksLikeJson(value))
        {
            // Parsed eagerly (a repeated property name keeps its last value), so the walk below cannot throw on it.
            var parsed = Providers.Internal.JsonHelpers.ParseLenient(value, MaxDepth);
            if (parsed is null && NestingExceeds(value, MaxDepth))
            {
                // JSON too deep to walk: what it holds cannot be checked, so none of it is kept.
                return RedactionKeySet.Redacted;
            }

            if (parsed is JsonObject or JsonArray)
            {
                return RedactContainer(parsed, keys, depth + 1) ? ToJson(parsed) : value;
            }
        }

        return TextRedactor.Redact(value, keys);
    }

    /// <summary>Redacts a JSON value in place where it can; returns the value to keep (a new one for a changed string).</summary>
    public static JsonNode? RedactRoot(JsonNode? node, RedactionKeySet keys)
    {
        switch (node)
        {
            case JsonObject or JsonArray:
                if (!TryRedactContainer(node, keys, 0, out _))
                {
                    // A node that cannot be read (a parsed object with a repeated name throws on access): not kept.
                    return JsonValue.Create(RedactionKeySet.Redacted);
                }

                return node;
            case JsonValue value when TryGetString(value, out var text):
                var redacted = RedactString(text, keys, 0);
                return ReferenceEquals(redacted, text) ? node : JsonValue.Create(redacted);
            default:
                return node;
        }
    }

    /// <summary>Redacts a container; false when it cannot be read at all (then the caller drops it whole).</summary>
    private static bool TryRedactContainer(JsonNode node, RedactionKeySet keys, int depth, out bool changed)
    {
        try
        {
            changed = RedactContainer(node, keys, depth);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // JsonObject throws on a repeated property name the first time it is read; a lone surrogate throws when read.
            changed = true;
            return false;
        }
    }

    private static bool RedactContainer(JsonNode node, RedactionKeySet keys, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        var changed = false;
        if (node is JsonObject obj)
        {
            for (var i = 0; i < obj.Count; i++)
            {
                var (name, child) = obj.GetAt(i);
                if (keys.Matches(name))
                {
                    if (!IsRedactedMarker(child))
                    {
                        obj.SetAt(i, JsonValue.Create(RedactionKeySet.Redacted));
                        changed = true;
                    }

                    continue;
                }

                if (RedactChild(child, keys, depth, out var replacement))
                {
                    if (replacement is not null)
                    {
                        obj.SetAt(i, replacement);
                    }

                    changed = true;
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (RedactChild(array[i], keys, depth, out var replacement))
                {
                    if (replacement is not null)
                    {
                        array[i] = replacement;
                    }

                    changed = true;
                }
            }
        }

        return changed;
    }

    /// <summary>Redacts one child; <paramref name="replacement"/> is set when a string value must be swapped.</summary>
    private static bool RedactChild(JsonNode? child, RedactionKeySet keys, int depth, out JsonNode? replacement)
    {
        replacement = null;
        switch (child)
        {
            case JsonObject or JsonArray when depth + 1 > MaxDepth:
                // Deeper than the walk goes: the whole value is redacted rather than left unchecked.
                replacement = JsonValue.Create(RedactionKeySet.Redacted);
                return true;
            case JsonObject or JsonArray:
                if (!TryRedactContainer(child, keys, depth + 1, out var changed))
                {
                    replacement = JsonValue.Create(RedactionKeySet.Redacted);
                    return true;
                }

                return changed;
            case JsonValue value when TryGetString(value, out var text):
                var redacted = RedactString(text, keys, depth);
                if (ReferenceEquals(redacted, text))
                {
                    return false;
                }

                replacement = JsonValue.Create(redacted);
                return true;
            default:
                return false;
        }
    }

    private static void RedactTags(Dictionary<string, string>? tags, RedactionKeySet keys)
    {
        if (tags is null || tags.Count == 0)
        {
            return;
        }

        List<KeyValuePair<string, string>>? changes = null;
        foreach (var pair in tags)
        {
            string value;
            if (keys.Matches(pair.Key))
            {
                value = RedactionKeySet.Redacted;
            }
            else
            {
                value = RedactString(pair.Value, keys, 0);
            }

            if (!string.Equals(value, pair.Value, StringComparison.Ordinal))
            {
                (changes ??= []).Add(new(pair.Key, value));
            }
        }

        if (changes is not null)
        {
            foreach (var change in changes)
            {
                tags[change.Key] = change.Value;
            }
        }
    }

    private static void RedactMetadata(Dictionary<string, JsonNode?>? metadata, RedactionKeySet keys)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return;
        }

        List<KeyValuePair<string, JsonNode?>>? changes = null;
        foreach (var pair in metadata)
        {
            if (keys.Matches(pair.Key))
            {
                if (!IsRedactedMarker(pair.Value))
                {
                    (changes ??= []).Add(new(pair.Key, JsonValue.Create(RedactionKeySet.Redacted)));
                }

                continue;
            }

            var kept = RedactRoot(pair.Value, keys);
            if (!ReferenceEquals(kept, pair.Value))
            {
                (changes ??= []).Add(new(pair.Key, kept));
            }
        }

        if (changes is not null)
        {
            foreach (var change in changes)
            {
                metadata[change.Key] = change.Value;
            }
        }
    }

    private static IReadOnlyList<LlmMessage> RedactMessages(IReadOnlyList<LlmMessage> messages, RedactionKeySet keys)
    {
        LlmMessage[]? copy = null;
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var redacted = message is null ? null : RedactMessage(message, keys);
            if (!ReferenceEquals(redacted, message) && copy is null)
            {
                copy = new LlmMessage[messages.Count];
                for (var j = 0; j < i; j++)
                {
                    copy[j] = messages[j];
                }
            }

            if (copy is not null)
            {
                copy[i] = redacted!;
            }
        }

        return copy ?? messages;
    }

    private static LlmMessage RedactMessage(LlmMessage message, RedactionKeySet keys)
    {
        var content = message.Content is { } text ? RedactString(text, keys, 0) : null;
        IReadOnlyList<LlmToolCall>? calls = message.ToolCalls;
        if (calls is not null)
        {
            LlmToolCall[]? copy = null;
            for (var i = 0; i < calls.Count; i++)
            {
                var call = calls[i];
                var arguments = call?.Arguments is { } args ? RedactString(args, keys, 0) : call?.Arguments;
                var redacted = call is not null && !ReferenceEquals(arguments, call.Arguments) ? call with { Arguments = arguments! } : call;
                if (!ReferenceEquals(redacted, call) && copy is null)
                {
                    copy = new LlmToolCall[calls.Count];
                    for (var j = 0; j < i; j++)
                    {
                        copy[j] = calls[j];
                    }
                }

                if (copy is not null)
                {
                    copy[i] = redacted!;
                }
            }

            calls = copy ?? calls;
        }

        if (ReferenceEquals(content, message.Content) && ReferenceEquals(calls, message.ToolCalls))
        {
            return message;
        }

        return message with { Content = content, ToolCalls = calls };
    }

    private static IReadOnlyList<string> RedactList(IReadOnlyList<string> items, RedactionKeySet keys)
    {
        string[]? copy = null;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var redacted = item is null ? null : RedactString(item, keys, 0);
            if (!ReferenceEquals(redacted, item) && copy is null)
            {
                copy = new string[items.Count];
                for (var j = 0; j < i; j++)
                {
                    copy[j] = items[j];
                }
            }

            if (copy is not null)
            {
                copy[i] = redacted!;
            }
        }

        return copy ?? items;
    }

    private static IReadOnlyList<GuardrailResult> RedactGuardrailResults(IReadOnlyList<GuardrailResult> results, RedactionKeySet keys)
    {
        GuardrailResult[]? copy = null;
        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i];
            var redacted = result;
            if (result is not null)
            {
                var modified = result.ModifiedText is { } m ? RedactString(m, keys, 0) : null;
                var reason = result.Reason is { } r ? RedactString(r, keys, 0) : null;
                if (!ReferenceEquals(modified, result.ModifiedText) || !ReferenceEquals(reason, result.Reason))
                {
                    redacted = result with { ModifiedText = modified, Reason = reason };
                }
            }

            if (!ReferenceEquals(redacted, result) && copy is null)
            {
                copy = new GuardrailResult[results.Count];
                for (var j = 0; j < i; j++)
                {
                    copy[j] = results[j];
                }
            }

            if (copy is not null)
            {
                copy[i] = redacted!;
            }
        }

        return copy ?? results;
    }

    private static bool TryGetString(JsonValue value, out string text)
    {
        if (value.GetValueKind() == JsonValueKind.String && value.TryGetValue<string>(out var s))
        {
            text = s;
            return true;
        }

        text = string.Empty;
        return false;
    }

    private static bool IsRedactedMarker(JsonNode? node) =>
        node is JsonValue value && TryGetString(value, out var text) && text == RedactionKeySet.Redacted;

    /// <summary>Gets a value indicating whether JSON text nests arrays and objects deeper than <paramref name="limit"/> (strings skipped).</summary>
    private static bool NestingExceeds(string value, int limit)
    {
        var depth = 0;
        var inString = false;
        var escaped = false;
        foreach (var c in value)
        {
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '[' or '{':
                    if (++depth > limit)
                    {
                        return true;
                    }

                    break;
                case ']' or '}':
                    depth--;
                    break;
            }
        }

        return false;
    }

    /// <summary>
    /// Gets a value indicating whether no rule can change the text, found with a few vectorized passes instead of the
    /// walk: it is ASCII without backslashes (so no escape or case mapping can spell a key differently), has fewer
    /// brackets than the depth past which JSON is redacted whole, and holds no word of any key.
    /// </summary>
    private static bool HoldsNoKey(string value, RedactionKeySet keys)
    {
        var span = value.AsSpan();
        return keys.Fragments is { } fragments
            && !span.ContainsAnyExceptInRange('\0', '\u007f')
            && !span.Contains('\\')
            && span.Count('{') + span.Count('[') < MaxDepth
            && !span.ContainsAny(fragments);
    }

    private static bool LooksLikeJson(string value)
    {
        var span = value.AsSpan().Trim();
        return span.Length >= 2 && ((span[0] == '{' && span[^1] == '}') || (span[0] == '[' && span[^1] == ']'));
    }

    private static string ToJson(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            node.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
