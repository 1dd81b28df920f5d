using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Truncate, don't drop: cuts the largest text fields of an event whose JSON is over the limit, so it still goes out,
/// marked <c>truncated</c>. The one truncation step of the export, applied by the <see cref="IngestBatchWriter"/> to every
/// event whoever produced it (HTTP handlers, the <c>IChatClient</c> middleware, <c>LogGeneration</c>, spans), where the
/// serialized size is known.
/// </summary>
/// <remarks>
/// The fields cut are message contents and tool-call arguments (prompt and completion), the error message, tool
/// arguments and results, metadata values, tag values and plan steps. They are cut "water-filling": the largest down to
/// a common length, so small fields are kept whole. A cut ends on a character boundary, never inside a surrogate pair,
/// so the UTF-8 written stays valid; a JSON value (tool arguments, metadata) that must be cut becomes a JSON string of
/// its first characters, so the event's JSON stays valid. Lengths are measured as the serializer escapes them; the
/// writer serializes again and calls again if a round was not enough.
/// </remarks>
internal static class EventTruncator
{
    /// <summary>The most rounds of cut-and-serialize before the event is given up as too large.</summary>
    public const int MaxRounds = 4;

    /// <summary>
    /// The deepest nesting a JSON value of an event (tool arguments and results, a metadata value) keeps: with the
    /// batch, the event and the field around it the wire stays within the 64 levels JSON readers accept by default
    /// (System.Text.Json's, the dev server's, most backends'), so one deep value cannot make a whole batch unreadable.
    /// </summary>
    public const int MaxValueDepth = 32;

    // Kept for structure and rounding: the quotes, the slack for escapes measured per character.
    private const long Slack = 64;

    private enum Kind
    {
        PromptContent,
        PromptArguments,
        CompletionContent,
        CompletionArguments,
        ErrorMessage,
        ToolArguments,
        ToolResult,
        Metadata,
        Tag,
        Plan,
    }

    /// <summary>
    /// Flattens every JSON value of <paramref name="item"/> nested deeper than <see cref="MaxValueDepth"/> into a JSON
    /// string of its text (nothing is lost but the structure; the event is marked truncated). Provider bodies and app
    /// metadata can nest arbitrarily; the wire cannot.
    /// </summary>
    /// <returns>True when a value was flattened.</returns>
    public static bool LimitDepth(ZespanEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var changed = false;
        if (item.Tool is { } tool)
        {
            if (TooDeep(tool.Arguments))
            {
                tool.Arguments = JsonValue.Create(tool.Arguments!.ToJsonString());
                changed = true;
            }

            if (TooDeep(tool.Result))
            {
                tool.Result = JsonValue.Create(tool.Result!.ToJsonString());
                changed = true;
            }
        }

        if (item.Metadata is { Count: > 0 } metadata)
        {
            List<string>? deep = null;
            foreach (var pair in metadata)
            {
                if (TooDeep(pair.Value))
                {
                    (deep ??= []).Add(pair.Key);
                }
            }

            if (deep is not null)
            {
                foreach (var key in deep)
                {
                    metadata[key] = JsonValue.Create(metadata[key]!.ToJsonString());
                }

                changed = true;
            }
        }

        if (changed)
        {
            item.Truncated = true;
        }

        return changed;
    }

    /// <summary>Whether a value nests deeper than <see cref="MaxValueDepth"/> (walked without recursion).</summary>
    internal static bool TooDeep(JsonNode? node)
    {
        if (node is not (JsonObject or JsonArray))
        {
            return false;
        }

        var stack = new Stack<(JsonNode Node, int Depth)>();
        stack.Push((node, 1));
        while (stack.Count > 0)
        {
            var (current, depth) = stack.Pop();
            if (depth > MaxValueDepth)
            {
                return true;
            }

            switch (current)
            {
                case JsonObject obj:
                    foreach (var pair in obj)
                    {
                        if (pair.Value is JsonObject or JsonArray)
                        {
                            stack.Push((pair.Value, depth + 1));
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        if (child is JsonObject or JsonArray)
                        {
                            stack.Push((child, depth + 1));
                        }
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary>Cuts fields of <paramref name="item"/> so its JSON shrinks by at least <paramref name="excess"/> bytes.</summary>
    /// <returns>False when nothing is left to cut (the event is then too large to send).</returns>
    public static bool Cut(ZespanEvent item, long excess)
    {
        ArgumentNullException.ThrowIfNull(item);
        var fields = Collect(item);
        if (fields.Count == 0)
        {
            return false;
        }

        var need = excess + Slack + (excess / 100);
        var cap = WaterLevel(fields, need);
        if (cap < 0)
        {
            return false;
        }

        var changed = false;
        foreach (var field in fields)
        {
            if (field.Length > cap)
            {
                Apply(item, field, Prefix(field.Text, cap));
                changed = true;
            }
        }

        if (changed)
        {
            item.Truncated = true;
        }

        return changed;
    }

    /// <summary>The JSON length <paramref name="c"/> takes with the serializer's default encoder.</summary>
    internal static int EscapedLength(char c) => c switch
    {
        '\\' or '\b' or '\f' or '\n' or '\r' or '\t' => 2,
        '"' or '<' or '>' or '&' or '\'' or '+' or '`' => 6,
        < ' ' => 6,
        < '\u007f' => 1,
        _ => 6,
    };

    /// <summary>The JSON length of <paramref name="text"/> without its quotes.</summary>
    internal static long EscapedLength(string text)
    {
        long length = 0;
        foreach (var c in text)
        {
            length += EscapedLength(c);
        }

        return length;
    }

    /// <summary>The longest prefix of <paramref name="text"/> whose JSON length is at most <paramref name="max"/>, never splitting a surrogate pair.</summary>
    internal static string Prefix(string text, long max)
    {
        long length = 0;
        var end = 0;
        while (end < text.Length)
        {
            var width = EscapedLength(text[end]);
            var pair = char.IsHighSurrogate(text[end]) && end + 1 < text.Length && char.IsLowSurrogate(text[end + 1]);
            if (pair)
            {
                width += EscapedLength(text[end + 1]);
            }

            if (length + width > max)
            {
                break;
            }

            length += width;
            end += pair ? 2 : 1;
        }

        return end == text.Length ? text : text[..end];
    }

    /// <summary>The common length the largest fields are cut to so the total shrinks by <paramref name="need"/>; -1 when even cutting all to nothing is not enough.</summary>
    private static long WaterLevel(List<Field> fields, long need)
    {
        fields.Sort(static (a, b) => b.Length.CompareTo(a.Length));
        long sum = 0;
        for (var k = 1; k <= fields.Count; k++)
        {
            sum += fields[k - 1].Length;
            var next = k < fields.Count ? fields[k].Length : 0;

            // Cutting the k largest to `level` saves sum - k * level; the level must stay at or above the next field.
            var level = (sum - need) / k;
            if (level >= next)
            {
                return level;
            }
        }

        return sum >= need ? 0 : -1;
    }

    private static List<Field> Collect(ZespanEvent item)
    {
        var fields = new List<Field>();
        if (item.PromptMessages is { } prompt)
        {
            for (var i = 0; i < prompt.Count; i++)
            {
                AddMessage(fields, prompt[i], i, Kind.PromptContent, Kind.PromptArguments);
            }
        }

        if (item.CompletionMessage is { } completion)
        {
            AddMessage(fields, completion, 0, Kind.CompletionContent, Kind.CompletionArguments);
        }

        if (item.Error?.Message is { Length: > 0 } message)
        {
            fields.Add(new Field(Kind.ErrorMessage, 0, 0, null, message));
        }

        if (item.Tool is { } tool)
        {
            AddNode(fields, Kind.ToolArguments, null, tool.Arguments);
            AddNode(fields, Kind.ToolResult, null, tool.Result);
        }

        if (item.Metadata is { } metadata)
        {
            foreach (var pair in metadata)
            {
                AddNode(fields, Kind.Metadata, pair.Key, pair.Value);
            }
        }

        if (item.Tags is { } tags)
        {
            foreach (var pair in tags)
            {
                if (pair.Value.Length > 0)
                {
                    fields.Add(new Field(Kind.Tag, 0, 0, pair.Key, pair.Value));
                }
            }
        }

        if (item.Plan is { } plan)
        {
            for (var i = 0; i < plan.Count; i++)
            {
                if (plan[i].Length > 0)
                {
                    fields.Add(new Field(Kind.Plan, i, 0, null, plan[i]));
                }
            }
        }

        return fields;
    }

    private static void AddMessage(List<Field> fields, LlmMessage message, int index, Kind content, Kind arguments)
    {
        if (message.Content is { Length: > 0 } text)
        {
            fields.Add(new Field(content, index, 0, null, text));
        }

        if (message.ToolCalls is { } calls)
        {
            for (var j = 0; j < calls.Count; j++)
            {
                if (calls[j].Arguments is { Length: > 0 } args)
                {
                    fields.Add(new Field(arguments, index, j, null, args));
                }
            }
        }
    }

    private static void AddNode(List<Field> fields, Kind kind, string? key, JsonNode? node)
    {
        if (node is null)
        {
            return;
        }

        // A string is cut as a string; any other value as the text of its JSON, which becomes a string when cut.
        var text = node is JsonValue value && value.TryGetValue<string>(out var s) ? s : node.ToJsonString();
        if (text.Length > 0)
        {
            fields.Add(new Field(kind, 0, 0, key, text));
        }
    }

    private static void Apply(ZespanEvent item, Field field, string cut)
    {
        switch (field.Kind)
        {
            case Kind.PromptContent or Kind.PromptArguments:
                var messages = item.PromptMessages!.ToArray();
                messages[field.Index] = CutMessage(messages[field.Index], field, cut);
                item.PromptMessages = messages;
                break;
            case Kind.CompletionContent or Kind.CompletionArguments:
                item.CompletionMessage = CutMessage(item.CompletionMessage!, field, cut);
                break;
            case Kind.ErrorMessage:
                item.Error = item.Error! with { Message = cut };
                break;
            case Kind.ToolArguments:
                item.Tool!.Arguments = JsonValue.Create(cut);
                break;
            case Kind.ToolResult:
                item.Tool!.Result = JsonValue.Create(cut);
                break;
            case Kind.Metadata:
                item.Metadata![field.Key!] = JsonValue.Create(cut);
                break;
            case Kind.Tag:
                item.Tags![field.Key!] = cut;
                break;
            case Kind.Plan:
                var plan = item.Plan!.ToArray();
                plan[field.Index] = cut;
                item.Plan = plan;
                break;
        }
    }

    private static LlmMessage CutMessage(LlmMessage message, Field field, string cut)
    {
        if (field.Kind is Kind.PromptContent or Kind.CompletionContent)
        {
            return message with { Content = cut };
        }

        var calls = message.ToolCalls!.ToArray();
        calls[field.Sub] = calls[field.Sub] with { Arguments = cut };
        return message with { ToolCalls = calls };
    }

    private sealed class Field(Kind kind, int index, int sub, string? key, string text)
    {
        public Kind Kind { get; } = kind;

        public int Index { get; } = index;

        public int Sub { get; } = sub;

        public string? Key { get; } = key;

        public string Text { get; } = text;

        public long Length { get; } = EscapedLength(text);
    }
}
