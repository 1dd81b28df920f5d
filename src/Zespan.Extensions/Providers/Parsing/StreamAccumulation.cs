using System.Text;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>Rebuilds one call's event from the events of its stream.</summary>
internal interface IStreamAccumulator : IStreamEventHandler
{
    /// <summary>
    /// Gets a value indicating whether the format's last event was seen (<c>[DONE]</c>, <c>message_stop</c>,
    /// <c>response.completed</c>, a final chunk): the stream was read to its logical end, whatever the reader did
    /// with the connection afterwards (SDKs stop at that event and dispose the body without reading on).
    /// </summary>
    bool SawEnd { get; }

    /// <summary>Writes what the stream said (completion, finish reason, usage, errors) onto the event.</summary>
    void Complete(ZespanEvent evt);
}

/// <summary>Rebuilds one call's event from the messages of its AWS event stream.</summary>
internal interface IEventStreamAccumulator : IEventStreamHandler
{
    /// <summary>Gets a value indicating whether the stream's last event was seen (see <see cref="IStreamAccumulator.SawEnd"/>).</summary>
    bool SawEnd { get; }

    /// <summary>Writes what the stream said (completion, finish reason, usage, errors) onto the event.</summary>
    void Complete(ZespanEvent evt);
}

/// <summary>Collects streamed tool calls: id and name from the first delta of an index, argument text from every delta.</summary>
internal sealed class ToolCallBuilder
{
    private readonly List<Entry> _entries = [];

    public int Count => _entries.Count;

    /// <summary>Starts or continues the call at <paramref name="index"/>; null arguments leave the text as it is.</summary>
    public void Add(int index, string? id, string? name, string? argumentsDelta, TextBudget budget)
    {
        var entry = Find(index);
        if (entry is null)
        {
            entry = new Entry(index);
            _entries.Add(entry);
        }

        if (!string.IsNullOrEmpty(id))
        {
            entry.Id ??= id;
        }

        if (!string.IsNullOrEmpty(name))
        {
            entry.Name ??= name;
        }

        if (argumentsDelta is not null)
        {
            budget.Append(entry.Arguments, argumentsDelta);
        }
    }

    /// <summary>Replaces the argument text of a call (a <c>done</c> event that repeats the whole text).</summary>
    public void SetArguments(int index, string arguments, TextBudget budget)
    {
        var entry = Find(index);
        if (entry is null)
        {
            Add(index, null, null, arguments, budget);
            return;
        }

        entry.Arguments.Clear();
        budget.Append(entry.Arguments, arguments);
    }

    public IReadOnlyList<LlmToolCall>? Build()
    {
        if (_entries.Count == 0)
        {
            return null;
        }

        var calls = new LlmToolCall[_entries.Count];
        for (var i = 0; i < _entries.Count; i++)
        {
            var e = _entries[i];
            calls[i] = new LlmToolCall(e.Id ?? string.Empty, e.Name ?? string.Empty, e.Arguments.Length == 0 ? "{}" : e.Arguments.ToString());
        }

        return calls;
    }

    private Entry? Find(int index)
    {
        foreach (var entry in _entries)
        {
            if (entry.Index == index)
            {
                return entry;
            }
        }

        return null;
    }

    private sealed class Entry(int index)
    {
        public int Index { get; } = index;

        public string? Id { get; set; }

        public string? Name { get; set; }

        public StringBuilder Arguments { get; } = new();
    }
}

/// <summary>Small helpers shared by the parsers.</summary>
internal static class EventFields
{
    public static void SetUsage(ZespanEvent evt, System.Text.Json.Nodes.JsonNode? usage)
    {
        if (usage is null)
        {
            return;
        }

        evt.Metadata ??= new Dictionary<string, System.Text.Json.Nodes.JsonNode?>(StringComparer.Ordinal);
        evt.Metadata["usage"] = usage;
    }

    public static void SetMetadata(ZespanEvent evt, string key, System.Text.Json.Nodes.JsonNode? value)
    {
        evt.Metadata ??= new Dictionary<string, System.Text.Json.Nodes.JsonNode?>(StringComparer.Ordinal);
        evt.Metadata[key] = value;
    }

    public static void SetTokens(ZespanEvent evt, int? prompt, int? completion, int? total)
    {
        if (prompt is null && completion is null && total is null)
        {
            return;
        }

        evt.PromptTokens = prompt;
        evt.CompletionTokens = completion;
        evt.TotalTokens = total ?? JsonHelpers.Sum(prompt, completion);
    }

    /// <summary>Sets the token breakdown (null parts leave the event's details unset).</summary>
    public static void SetDetails(ZespanEvent evt, PromptTokensDetails? prompt, CompletionTokensDetails? completion)
    {
        evt.PromptTokensDetails = prompt;
        evt.CompletionTokensDetails = completion;
    }

    /// <summary>A completion message, or null when it would be empty.</summary>
    public static LlmMessage? Completion(string? text, IReadOnlyList<LlmToolCall>? toolCalls) =>
        string.IsNullOrEmpty(text) && toolCalls is null
            ? null
            : new LlmMessage("assistant", string.IsNullOrEmpty(text) ? null : text) { ToolCalls = toolCalls };

    public static string? NullIfEmpty(StringBuilder builder) => builder.Length == 0 ? null : builder.ToString();
}
