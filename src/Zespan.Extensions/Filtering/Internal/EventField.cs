using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Filtering.Internal;

/// <summary>One value read from an event by an export filter: text, a number, or missing (both null).</summary>
internal readonly record struct FieldValue(string? Text, double? Number)
{
    public static FieldValue Missing => default;

    public bool IsMissing => Text is null && Number is null;

    /// <summary>Gets a value indicating whether the field is missing or the empty string.</summary>
    public bool IsEmpty => IsMissing || (Number is null && Text!.Length == 0);

    public static FieldValue Of(string? text) => new(text, null);

    public static FieldValue Of(double? number) => new(null, number);

    public static FieldValue Of(bool value) => new(value ? "true" : "false", null);

    public string AsText() => Text ?? Number?.ToString("R", CultureInfo.InvariantCulture) ?? string.Empty;

    public bool TryGetNumber(out double number)
    {
        if (Number is { } n)
        {
            number = n;
            return true;
        }

        return ExportFilterCompiler.TryParseNumber(Text, out number);
    }
}

/// <summary>
/// A field an export filter reads: a top-level wire field of the event (snake_case, as sent), a sub-field
/// of an object field (<c>error.type</c>, <c>agent.name</c>), or a key under <c>tags.</c>, <c>metadata.</c>
/// (a dotted path into nested objects) or <c>eval_scores.</c>. Resolved once, when the filters are compiled.
/// </summary>
internal sealed class EventField
{
    private static readonly Dictionary<string, Func<ZespanEvent, FieldValue>> Readers = new(StringComparer.Ordinal)
    {
        ["trace_id"] = static e => FieldValue.Of(e.TraceId.ToHexString()),
        ["span_id"] = static e => FieldValue.Of(e.SpanId.ToHexString()),
        ["parent_span_id"] = static e => FieldValue.Of(e.ParentSpanId?.ToHexString()),
        ["log_type"] = static e => FieldValue.Of(e.LogType),
        ["name"] = static e => FieldValue.Of(e.Name),
        ["start_time"] = static e => FieldValue.Of(ZespanJsonContext.FormatTime(e.StartTime)),
        ["end_time"] = static e => FieldValue.Of(ZespanJsonContext.FormatTime(e.EndTime)),
        ["latency"] = static e => FieldValue.Of(e.Latency),
        ["time_to_first_token"] = static e => FieldValue.Of(e.TimeToFirstToken),
        ["status_code"] = static e => FieldValue.Of(e.StatusCode),
        ["error"] = static e => FieldValue.Of(e.Error?.Type),
        ["error.type"] = static e => FieldValue.Of(e.Error?.Type),
        ["error.message"] = static e => FieldValue.Of(e.Error?.Message),
        ["environment"] = static e => FieldValue.Of(e.Environment),
        ["provider"] = static e => FieldValue.Of(e.Provider),
        ["model"] = static e => FieldValue.Of(e.Model),
        ["response_model"] = static e => FieldValue.Of(e.ResponseModel),
        ["requested_model"] = static e => FieldValue.Of(e.RequestedModel),
        ["stream"] = static e => FieldValue.Of(e.Stream),
        ["prompt_messages"] = static e => FieldValue.Of(JoinContents(e.PromptMessages)),
        ["completion_message"] = static e => FieldValue.Of(e.CompletionMessage?.Content),
        ["finish_reason"] = static e => FieldValue.Of(e.FinishReason),
        ["prompt_tokens"] = static e => FieldValue.Of(e.PromptTokens),
        ["completion_tokens"] = static e => FieldValue.Of(e.CompletionTokens),
        ["total_tokens"] = static e => FieldValue.Of(e.TotalTokens),
        ["cost"] = static e => FieldValue.Of(e.Cost),
        ["customer_identifier"] = static e => FieldValue.Of(e.CustomerIdentifier),
        ["customer_email"] = static e => FieldValue.Of(e.CustomerEmail),
        ["customer_name"] = static e => FieldValue.Of(e.CustomerName),
        ["thread_identifier"] = static e => FieldValue.Of(e.ThreadIdentifier),
        ["tags"] = static e => Count(e.Tags?.Count),
        ["metadata"] = static e => Count(e.Metadata?.Count),
        ["eval_scores"] = static e => Count(e.EvalScores?.Count),
        ["agent"] = static e => FieldValue.Of(e.Agent?.Name),
        ["agent.name"] = static e => FieldValue.Of(e.Agent?.Name),
        ["agent.role"] = static e => FieldValue.Of(e.Agent?.Role),
        ["agent.framework"] = static e => FieldValue.Of(e.Agent?.Framework),
        ["plan"] = static e => FieldValue.Of(e.Plan is null ? null : string.Join('\n', e.Plan)),
        ["tool"] = static e => FieldValue.Of(e.Tool?.Name),
        ["tool.name"] = static e => FieldValue.Of(e.Tool?.Name),
        ["handoff"] = static e => FieldValue.Of(e.Handoff?.To),
        ["handoff.from"] = static e => FieldValue.Of(e.Handoff?.From),
        ["handoff.to"] = static e => FieldValue.Of(e.Handoff?.To),
        ["handoff.reason"] = static e => FieldValue.Of(e.Handoff?.Reason),
        ["guardrail"] = static e => FieldValue.Of(e.Guardrail?.Phase),
        ["guardrail.phase"] = static e => FieldValue.Of(e.Guardrail?.Phase),
        ["guardrail.passed"] = static e => e.Guardrail is { } g ? FieldValue.Of(g.Passed) : FieldValue.Missing,
        ["truncated"] = static e => FieldValue.Of(e.Truncated),
        ["config_version"] = static e => FieldValue.Of(e.ConfigVersion),
    };

    private readonly Func<ZespanEvent, FieldValue>? _reader;
    private readonly Kind _kind;
    private readonly string _key = string.Empty;
    private readonly string[] _path = [];

    private EventField(string name, Func<ZespanEvent, FieldValue>? reader, Kind kind, string key)
    {
        Name = name;
        _reader = reader;
        _kind = kind;
        _key = key;
        if (kind == Kind.Metadata && key.Contains('.', StringComparison.Ordinal))
        {
            _path = key.Split('.');
        }
    }

    private enum Kind
    {
        Plain,
        Tag,
        Metadata,
        EvalScore,
    }

    /// <summary>Gets every top-level and sub-field name a filter may use (beside the <c>tags.</c>, <c>metadata.</c> and <c>eval_scores.</c> prefixes).</summary>
    public static IEnumerable<string> KnownNames => Readers.Keys;

    public string Name { get; }

    public static bool TryResolve(string? name, out EventField? field)
    {
        field = null;
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }

        name = name.Trim();
        if (Readers.TryGetValue(name, out var reader))
        {
            field = new EventField(name, reader, Kind.Plain, string.Empty);
            return true;
        }

        if (TryPrefix(name, "tags.", out var tag))
        {
            field = new EventField(name, null, Kind.Tag, tag);
            return true;
        }

        if (TryPrefix(name, "metadata.", out var metadata))
        {
            field = new EventField(name, null, Kind.Metadata, metadata);
            return true;
        }

        if (TryPrefix(name, "eval_scores.", out var score))
        {
            field = new EventField(name, null, Kind.EvalScore, score);
            return true;
        }

        return false;
    }

    public FieldValue Read(ZespanEvent item) => _kind switch
    {
        Kind.Plain => _reader!(item),
        Kind.Tag => item.Tags is { } tags && tags.TryGetValue(_key, out var tag) ? FieldValue.Of(tag) : FieldValue.Missing,
        Kind.EvalScore => item.EvalScores is { } scores && scores.TryGetValue(_key, out var score) ? FieldValue.Of(score) : FieldValue.Missing,
        _ => ReadMetadata(item.Metadata),
    };

    private static bool TryPrefix(string name, string prefix, out string rest)
    {
        rest = string.Empty;
        if (name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal))
        {
            rest = name[prefix.Length..];
            return true;
        }

        return false;
    }

    private static FieldValue Count(int? count) => count is > 0 ? FieldValue.Of((double)count.Value) : FieldValue.Missing;

    private static string? JoinContents(IReadOnlyList<LlmMessage>? messages)
    {
        if (messages is null)
        {
            return null;
        }

        var parts = new string?[messages.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = messages[i]?.Content;
        }

        return string.Join('\n', parts);
    }

    private FieldValue ReadMetadata(Dictionary<string, JsonNode?>? metadata)
    {
        if (metadata is null)
        {
            return FieldValue.Missing;
        }

        if (metadata.TryGetValue(_key, out var direct))
        {
            return FromNode(direct);
        }

        if (_path.Length < 2 || !metadata.TryGetValue(_path[0], out var node))
        {
            return FieldValue.Missing;
        }

        for (var i = 1; i < _path.Length; i++)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(_path[i], out node))
            {
                return FieldValue.Missing;
            }
        }

        return FromNode(node);
    }

    private static FieldValue FromNode(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return FieldValue.Missing;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        return FieldValue.Of(value.GetValue<string>());
                    case JsonValueKind.Number:
                        return value.TryGetValue<double>(out var number) ? FieldValue.Of(number) : FieldValue.Of(value.ToJsonString());
                    case JsonValueKind.True:
                        return FieldValue.Of(true);
                    case JsonValueKind.False:
                        return FieldValue.Of(false);
                    case JsonValueKind.Null:
                        return FieldValue.Missing;
                    default:
                        return FieldValue.Of(value.ToJsonString());
                }

            default:
                return FieldValue.Of(node.ToJsonString());
        }
    }
}
